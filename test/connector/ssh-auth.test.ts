import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { ConnectError, InputError } from '../../src/errors.js';
import { SshConnection } from '../../src/ssh/connection.js';
import type { ConnectOptions } from '../../src/ssh/connection.js';
import {
  connectOptionsFor,
  generateKeyPair,
  recordingLogger,
  startSshServer,
  writeClientFiles,
  type ClientFiles,
  type KeyPair,
  type TestSshServer,
} from '../support/ssh-server.js';

const execFileAsync = promisify(execFile);

const PASSPHRASE = 'Tr0ub4dor&3 certfleet test passphrase';

/** Opens a connection, runs one command and closes it, then returns the error it failed with, or undefined. */
async function connectError(options: ConnectOptions): Promise<unknown> {
  try {
    const connection = await SshConnection.open(options);
    await connection.exec('true');
    await connection.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Formats everything an error carries that could reach a user: message, stack, cause chain and fields. */
function errorText(error: unknown): string {
  return inspect(error, { depth: 10 });
}

describe('key authentication', () => {
  let authorized: KeyPair;
  let encrypted: KeyPair;
  let server: TestSshServer;
  let files: ClientFiles;

  before(async () => {
    authorized = await generateKeyPair('ed25519');
    encrypted = await generateKeyPair('ed25519', PASSPHRASE);
    files = await writeClientFiles({ key: authorized });
    server = await startSshServer({ authorizedKeys: [authorized.publicKey, encrypted.publicKey] });
    await writeFile(files.knownHostsFile, `${server.knownHostsLine('ed25519')}\n`);
  });

  after(async () => {
    // Optional calls, because a failed before() may have left any of these unset.
    await server?.stop();
    await files?.cleanup();
  });

  async function writeIdentity(name: string, content: string): Promise<string> {
    const file = join(files.dir, name);
    await writeFile(file, content, { mode: 0o600 });
    return file;
  }

  test('authorized key connects', async () => {
    assert.equal(await connectError(connectOptionsFor(server, files)), undefined);
  });

  test('refused key fails without retry', async () => {
    const identity = await writeIdentity('id_refused', (await generateKeyPair('ed25519')).privateKey);
    const before = server.connectionCount();

    const error = await connectError(connectOptionsFor(server, files, { identity, retries: 2 }));

    assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
    assert.match(error.message, /authentication failed/);
    assert.ok(error.message.includes(`deploy@127.0.0.1:${server.port}`), error.message);
    assert.ok(error.message.includes(identity), error.message);
    assert.equal(server.connectionCount() - before, 1, 'an authentication failure was retried');
  });

  test('encrypted key without passphrase', async () => {
    const identity = await writeIdentity('id_encrypted', encrypted.privateKey);
    const before = server.connectionCount();

    const error = await connectError(connectOptionsFor(server, files, { identity }));

    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.file, identity);
    assert.ok(error.message.includes(identity), error.message);
    assert.ok(error.message.includes('CERTFLEET_SSH_PASSPHRASE'), error.message);
    assert.equal(server.connectionCount() - before, 0, 'connected although the key could not be read');
  });

  test('wrong passphrase is an input error', async () => {
    const identity = await writeIdentity('id_encrypted', encrypted.privateKey);
    const wrong = `${PASSPHRASE} but wrong`;

    const error = await connectError(connectOptionsFor(server, files, { identity, passphrase: wrong }));

    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.ok(error.message.includes(identity), error.message);
    assert.ok(error.message.includes('CERTFLEET_SSH_PASSPHRASE'), error.message);
    assert.ok(!errorText(error).includes(wrong), 'the error contains the passphrase');
  });

  test('right passphrase connects', async () => {
    const identity = await writeIdentity('id_encrypted', encrypted.privateKey);
    const recorder = recordingLogger();

    const error = await connectError(connectOptionsFor(server, files, { identity, passphrase: PASSPHRASE, logger: recorder.logger }));

    assert.equal(error, undefined);
    assert.ok(recorder.lines().length > 0, 'nothing was logged, so the log check below proves nothing');
    assert.ok(!recorder.text().includes(PASSPHRASE), 'a log line contains the passphrase');
  });

  test('passphrase absent from failure logs', async () => {
    const identity = await writeIdentity('id_encrypted', encrypted.privateKey);
    const recorder = recordingLogger();
    // The server does not know this host key, so the connection fails after the key was decrypted.
    const options = connectOptionsFor(server, files, {
      identity,
      passphrase: PASSPHRASE,
      logger: recorder.logger,
      knownHostsFile: join(files.dir, 'empty_known_hosts'),
    });

    const error = await connectError(options);

    assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
    assert.ok(!errorText(error).includes(PASSPHRASE), 'the error contains the passphrase');
    assert.ok(!recorder.text().includes(PASSPHRASE), 'a log line contains the passphrase');
  });

  test('missing identity file', async () => {
    const identity = join(files.dir, 'id_missing');

    const error = await connectError(connectOptionsFor(server, files, { identity }));

    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.ok(error.message.includes(identity), error.message);
    assert.match(error.message, /ENOENT/);
  });

  test('non-key identity file', async () => {
    const identity = await writeIdentity('id_garbage', 'this is not a key\n');

    const error = await connectError(connectOptionsFor(server, files, { identity }));

    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.ok(error.message.includes(identity), error.message);
    assert.match(error.message, /not a private key/);
  });

  test('public key as identity file', async () => {
    const identity = await writeIdentity('id_test.pub', authorized.publicKey);

    const error = await connectError(connectOptionsFor(server, files, { identity }));

    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.ok(error.message.includes(identity), error.message);
  });
});

describe('ssh-agent authentication', () => {
  let inAgent: KeyPair;
  let server: TestSshServer;
  let files: ClientFiles;
  let agent: ChildProcess;
  let agentSocket: string;
  const savedSocket = process.env.SSH_AUTH_SOCK;

  before(async () => {
    inAgent = await generateKeyPair('ed25519');
    files = await writeClientFiles({ key: inAgent });
    server = await startSshServer({ authorizedKeys: [inAgent.publicKey] });
    await writeFile(files.knownHostsFile, `${server.knownHostsLine('ed25519')}\n`);

    agentSocket = join(files.dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    await waitForFile(agentSocket);
    await execFileAsync('ssh-add', [files.identityFile], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
  });

  after(async () => {
    restoreAgentSocket(savedSocket);
    agent?.kill();
    await server?.stop();
    await files?.cleanup();
  });

  test('agent key authenticates', async () => {
    process.env.SSH_AUTH_SOCK = agentSocket;

    const error = await connectError(connectOptionsFor(server, files, { identity: undefined }));

    assert.equal(error, undefined);
  });

  test('agent without the key fails', async () => {
    process.env.SSH_AUTH_SOCK = agentSocket;
    const stranger = await startSshServer({ authorizedKeys: [(await generateKeyPair('ed25519')).publicKey] });
    try {
      const error = await connectError(connectOptionsFor(stranger, files, { identity: undefined, acceptNewHostKeys: true }));

      assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
      assert.match(error.message, /authentication failed for deploy@127\.0\.0\.1:\d+ with the keys in ssh-agent/);
    } finally {
      await stranger.stop();
    }
  });

  test('no identity and no agent', async () => {
    delete process.env.SSH_AUTH_SOCK;
    const before = server.connectionCount();

    const error = await connectError(connectOptionsFor(server, files, { identity: undefined }));

    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.match(error.message, /SSH_AUTH_SOCK is unset/);
    assert.match(error.message, /--identity/);
    assert.equal(server.connectionCount() - before, 0);
  });
});

function restoreAgentSocket(saved: string | undefined): void {
  if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = saved;
}

async function waitForFile(file: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await access(file);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`ssh-agent did not create ${file} within 2 s`);
}

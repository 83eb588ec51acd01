import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConnectError } from '../../src/errors.js';
import { SshConnection, type ConnectOptions } from '../../src/ssh/connection.js';
import {
  connectOptionsFor,
  generateKeyPair,
  publicKeyFields,
  recordingLogger,
  startSshServer,
  writeClientFiles,
  type ClientFiles,
  type KeyPair,
  type TestSshServer,
} from '../support/ssh-server.js';

const execFileAsync = promisify(execFile);

/** Computes the SHA256 fingerprint of a public key with OpenSSH's own `ssh-keygen -l`. */
async function fingerprint(files: ClientFiles, key: KeyPair): Promise<string> {
  const file = join(files.dir, `fingerprint-${key.type}.pub`);
  await writeFile(file, `${key.publicKey}\n`);
  const { stdout } = await execFileAsync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file]);
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(stdout);
  assert.ok(match, `ssh-keygen printed no fingerprint: ${stdout}`);
  return match[0];
}

/** Opens a connection, runs one command and closes it, then returns the error it failed with, or undefined. */
async function connectError(server: TestSshServer, files: ClientFiles, overrides: Partial<ConnectOptions> = {}): Promise<unknown> {
  try {
    const connection = await SshConnection.open(connectOptionsFor(server, files, overrides));
    await connection.exec('true');
    await connection.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

function assertConnectError(error: unknown): asserts error is ConnectError {
  assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${error === undefined ? 'a working connection' : String(error)}`);
}

describe('known_hosts checks', () => {
  let ed25519: KeyPair;
  let ecdsa: KeyPair;
  let rsa: KeyPair;
  let client: KeyPair;
  let server: TestSshServer;
  let multiKeyServer: TestSshServer;

  before(async () => {
    [ed25519, ecdsa, rsa, client] = await Promise.all([
      generateKeyPair('ed25519'),
      generateKeyPair('ecdsa'),
      generateKeyPair('rsa'),
      generateKeyPair('ed25519'),
    ]);
    server = await startSshServer({ hostKeys: [ed25519], authorizedKeys: [client.publicKey] });
    multiKeyServer = await startSshServer({ hostKeys: [ed25519, ecdsa, rsa], authorizedKeys: [client.publicKey] });
  });

  after(async () => {
    // Optional calls, because a failed before() may have left either unset.
    await server?.stop();
    await multiKeyServer?.stop();
  });

  test('known host key accepted', async () => {
    const files = await writeClientFiles({ key: client, knownHosts: `${server.knownHostsLine('ed25519')}\n` });
    try {
      assert.equal(await connectError(server, files), undefined);
    } finally {
      await files.cleanup();
    }
  });

  test('unknown host key rejected', async () => {
    const files = await writeClientFiles({ key: client });
    try {
      const before = server.connectionCount();
      const error = await connectError(server, files, { retries: 2 });

      assertConnectError(error);
      assert.match(error.message, /unknown host key/);
      assert.ok(error.message.includes(`[127.0.0.1]:${server.port}`), error.message);
      assert.ok(error.message.includes(await fingerprint(files, ed25519)), error.message);
      assert.ok(error.message.includes('--accept-new-host-keys'), error.message);
      assert.equal(server.connectionCount() - before, 1, 'a host key rejection was retried');
      await assert.rejects(stat(files.knownHostsFile), { code: 'ENOENT' });
    } finally {
      await files.cleanup();
    }
  });

  test('new host key recorded when accepted', async () => {
    const files = await writeClientFiles({ key: client });
    const { logger, text } = recordingLogger();
    try {
      assert.equal(await connectError(server, files, { acceptNewHostKeys: true, logger }), undefined);

      const { type, blob } = publicKeyFields(ed25519.publicKey);
      assert.equal(await readFile(files.knownHostsFile, 'utf8'), `[127.0.0.1]:${server.port} ${type} ${blob}\n`);
      assert.equal((await stat(files.knownHostsFile)).mode & 0o777, 0o600);
      assert.ok(text().includes(await fingerprint(files, ed25519)), 'the recorded fingerprint is not logged');

      assert.equal(await connectError(server, files, { acceptNewHostKeys: false }), undefined);
    } finally {
      await files.cleanup();
    }
  });

  test('new key appended on its own line', async () => {
    const { type, blob } = publicKeyFields((await generateKeyPair('ed25519')).publicKey);
    // No trailing newline, as an editor may leave the file.
    const other = `192.0.2.10 ${type} ${blob}`;
    const files = await writeClientFiles({ key: client, knownHosts: other });
    try {
      assert.equal(await connectError(server, files, { acceptNewHostKeys: true }), undefined);

      const lines = (await readFile(files.knownHostsFile, 'utf8')).split('\n');
      assert.equal(lines[0], other);
      assert.equal(lines[1], server.knownHostsLine('ed25519'));
      assert.equal(lines[2], '');
    } finally {
      await files.cleanup();
    }
  });

  test('changed host key rejected', async () => {
    const old = await generateKeyPair('ed25519');
    const oldLine = `[127.0.0.1]:${server.port} ${publicKeyFields(old.publicKey).type} ${publicKeyFields(old.publicKey).blob}`;
    const knownHosts = `# fleet hosts\n192.0.2.10 ${ecdsa.publicKey}\n${oldLine}\n`;
    const files = await writeClientFiles({ key: client, knownHosts });
    try {
      const before = server.connectionCount();
      const error = await connectError(server, files, { acceptNewHostKeys: true, retries: 2 });

      assertConnectError(error);
      assert.match(error.message, /HOST KEY CHANGED/);
      assert.ok(error.message.includes(await fingerprint(files, old)), `old fingerprint missing: ${error.message}`);
      assert.ok(error.message.includes(await fingerprint(files, ed25519)), `new fingerprint missing: ${error.message}`);
      assert.ok(error.message.includes(`${files.knownHostsFile} line 3`), error.message);
      assert.equal(server.connectionCount() - before, 1, 'a host key rejection was retried');
      assert.equal(await readFile(files.knownHostsFile, 'utf8'), knownHosts);
    } finally {
      await files.cleanup();
    }
  });

  test('hashed known_hosts entry matched', async () => {
    const files = await writeClientFiles({ key: client, knownHosts: `${server.knownHostsLine('ed25519')}\n` });
    try {
      await execFileAsync('ssh-keygen', ['-H', '-f', files.knownHostsFile]);
      const hashed = await readFile(files.knownHostsFile, 'utf8');
      assert.match(hashed, /^\|1\|/, 'ssh-keygen -H did not hash the entry');
      assert.ok(!hashed.includes('127.0.0.1'), 'the hashed file still names the host');

      assert.equal(await connectError(server, files), undefined);
    } finally {
      await files.cleanup();
    }
  });

  test('port-less entry ignored on port', async () => {
    const { type, blob } = publicKeyFields(ed25519.publicKey);
    const files = await writeClientFiles({ key: client, knownHosts: `127.0.0.1 ${type} ${blob}\n` });
    try {
      const error = await connectError(server, files);

      assertConnectError(error);
      assert.match(error.message, /unknown host key/);
      assert.ok(error.message.includes(`[127.0.0.1]:${server.port}`), error.message);
    } finally {
      await files.cleanup();
    }
  });

  test('ECDSA-only entry negotiates ECDSA', async () => {
    const files = await writeClientFiles({ key: client, knownHosts: `${multiKeyServer.knownHostsLine('ecdsa')}\n` });
    try {
      assert.equal(await connectError(multiKeyServer, files), undefined);
    } finally {
      await files.cleanup();
    }
  });

  test('RSA-only entry negotiates RSA', async () => {
    const files = await writeClientFiles({ key: client, knownHosts: `${multiKeyServer.knownHostsLine('rsa')}\n` });
    try {
      assert.equal(await connectError(multiKeyServer, files), undefined);
    } finally {
      await files.cleanup();
    }
  });

  test('revoked host key rejected', async () => {
    const files = await writeClientFiles({ key: client, knownHosts: `@revoked ${server.knownHostsLine('ed25519')}\n` });
    try {
      const error = await connectError(server, files, { acceptNewHostKeys: true });

      assertConnectError(error);
      assert.match(error.message, /@revoked/);
      assert.ok(error.message.includes(await fingerprint(files, ed25519)), error.message);
      assert.equal((await readFile(files.knownHostsFile, 'utf8')).split('\n').length, 2, 'the revoked key was recorded again');
    } finally {
      await files.cleanup();
    }
  });

  test('known key type not offered', async () => {
    // The host was reinstalled with only an ed25519 key, and known_hosts contains its old ECDSA key.
    const files = await writeClientFiles({ key: client, knownHosts: `[127.0.0.1]:${server.port} ${publicKeyFields(ecdsa.publicKey).type} ${publicKeyFields(ecdsa.publicKey).blob}\n` });
    try {
      const before = server.connectionCount();
      const error = await connectError(server, files, { retries: 2 });

      assertConnectError(error);
      assert.equal(server.connectionCount() - before, 1, 'a failed key negotiation was retried');
      assert.ok(error.message.includes(files.knownHostsFile), `the message does not name the known_hosts file: ${error.message}`);
    } finally {
      await files.cleanup();
    }
  });

  test('unreadable known_hosts names the file', async () => {
    const files = await writeClientFiles({ key: client });
    try {
      const error = await connectError(server, files, { knownHostsFile: files.dir });

      assert.ok(error instanceof Error, 'connecting with a folder as known_hosts worked');
      assert.ok(error.message.includes(files.dir), `the message does not name ${files.dir}: ${error.message}`);
    } finally {
      await files.cleanup();
    }
  });

  test('unreadable known_hosts logs no retry', async () => {
    const files = await writeClientFiles({ key: client });
    const { logger, lines } = recordingLogger();
    try {
      const error = await connectError(server, files, { knownHostsFile: files.dir, retries: 2, logger });

      assert.ok(error instanceof Error, 'connecting with a folder as known_hosts worked');
      const retryLines = lines().filter((line) => String(line.msg).includes('retrying'));
      assert.equal(retryLines.length, 0, `a retry was logged for an error that is not retried: ${JSON.stringify(retryLines)}`);
    } finally {
      await files.cleanup();
    }
  });
});

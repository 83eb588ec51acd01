import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectError } from '../../src/errors.js';
import { SshConnection } from '../../src/ssh/connection.js';
import {
  connectOptionsFor,
  startSshServer,
  writeClientFiles,
  type ClientFiles,
  type ExecReply,
  type TestSshServer,
} from '../support/ssh-server.js';

const LARGE_SIZE = 1024 * 1024;

/** Canned replies, keyed by the exact command line the server receives. */
function reply(command: string, stdin: Buffer): ExecReply | Promise<ExecReply> {
  switch (command) {
    case 'report':
      return { stdout: 'out line\n', stderr: 'warning line\n', exitCode: 0 };
    case 'fail':
      return { stdout: 'partial\n', stderr: 'no such unit\n', exitCode: 5 };
    case 'cat':
      return { stdout: stdin, exitCode: 0 };
    case 'large-output':
      return { stdout: 'é'.repeat(LARGE_SIZE / 2), exitCode: 0 };
    case 'killed':
      return { signal: 'KILL' };
    case 'slow':
      return new Promise((resolve) => setTimeout(() => resolve({ stdout: 'late\n', exitCode: 0 }), 1500));
    case 'drop':
      return { dropConnection: true };
    default:
      return { exitCode: 0 };
  }
}

describe('exec', () => {
  let server: TestSshServer;
  let files: ClientFiles;
  let connection: SshConnection;

  before(async () => {
    files = await writeClientFiles();
    server = await startSshServer({ authorizedKeys: [files.key.publicKey], exec: reply });
    connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
  });

  after(async () => {
    // Optional calls, because a failed before() may have left any of these unset.
    await connection?.close();
    await server?.stop();
    await files?.cleanup();
  });

  test('exec separates stdout and stderr', async () => {
    const result = await connection.exec('report');

    assert.equal(result.command, 'report');
    assert.equal(result.stdout, 'out line\n');
    assert.equal(result.stderr, 'warning line\n');
    assert.equal(result.exitCode, 0);
    assert.equal(result.signal, undefined);
    assert.ok(result.durationMs >= 0, `durationMs is ${result.durationMs}`);
  });

  test('non-zero exit is a result', async () => {
    const result = await connection.exec('fail');

    assert.equal(result.exitCode, 5);
    assert.equal(result.stdout, 'partial\n');
    assert.equal(result.stderr, 'no such unit\n');
  });

  test('stdin string reaches the command', async () => {
    const result = await connection.exec('cat', { stdin: 'line one\nline two\n' });

    assert.equal(server.commands.at(-1)?.stdin.toString('utf8'), 'line one\nline two\n');
    assert.equal(result.stdout, 'line one\nline two\n');
  });

  test('stdin of 1 MiB arrives intact', async () => {
    const input = Buffer.alloc(LARGE_SIZE);
    for (let i = 0; i < input.length; i += 1) input[i] = (i * 7) % 256;

    await connection.exec('cat', { stdin: input });

    const received = server.commands.at(-1)?.stdin;
    assert.equal(received?.length, LARGE_SIZE);
    assert.ok(received?.equals(input), 'the received stdin differs from the bytes sent');
  });

  test('command without stdin gets empty stdin', async () => {
    await connection.exec('cat');

    assert.equal(server.commands.at(-1)?.stdin.length, 0);
  });

  test('large UTF-8 stdout decodes whole', async () => {
    const result = await connection.exec('large-output');

    // Each 'é' is two bytes, so any chunk boundary splitting one would show as U+FFFD.
    assert.equal(result.stdout.length, LARGE_SIZE / 2);
    assert.ok(!result.stdout.includes('\uFFFD'), 'stdout contains a replacement character');
  });

  test('signal ends with null exit code', async () => {
    const result = await connection.exec('killed');

    assert.equal(result.exitCode, null);
    assert.equal(result.signal, 'SIGKILL');
  });

  test('timeout rejects a slow command', async () => {
    const started = Date.now();

    await assert.rejects(connection.exec('slow', { timeoutMs: 200 }), (error: unknown) => {
      assert.ok(error instanceof ConnectError, `expected ConnectError, got ${String(error)}`);
      assert.match(error.message, /timed out after 200 ms: slow/);
      assert.match(error.message, /^web1: /);
      return true;
    });
    assert.ok(Date.now() - started < 1200, `the timeout took ${Date.now() - started} ms`);
  });

  test('connection still works after a timeout', async () => {
    const result = await connection.exec('report');

    assert.equal(result.stdout, 'out line\n');
  });
});

describe('exec with sudo', () => {
  let server: TestSshServer;
  let files: ClientFiles;

  before(async () => {
    files = await writeClientFiles();
    server = await startSshServer({ authorizedKeys: [files.key.publicKey] });
  });

  after(async () => {
    await server?.stop();
    await files?.cleanup();
  });

  async function receivedCommand(user: string, command: string, sudo: boolean): Promise<string | undefined> {
    const connection = await SshConnection.open(connectOptionsFor(server, files, { user, acceptNewHostKeys: true }));
    try {
      await connection.exec(command, { sudo });
    } finally {
      await connection.close();
    }
    return server.commands.at(-1)?.command;
  }

  test('sudo wraps for a non-root user', async () => {
    const received = await receivedCommand('deploy', 'systemctl reload nginx', true);

    assert.equal(received, "sudo -n -- sh -c 'systemctl reload nginx'");
  });

  test('sudo is skipped for root', async () => {
    const received = await receivedCommand('root', 'systemctl reload nginx', true);

    assert.equal(received, 'systemctl reload nginx');
  });

  test('without sudo the command is plain', async () => {
    const received = await receivedCommand('deploy', 'systemctl reload nginx', false);

    assert.equal(received, 'systemctl reload nginx');
  });

  test('quotes and dollar survive sudo quoting', async () => {
    const received = await receivedCommand('deploy', `printf '%s\\n' "it's $HOME" > /tmp/out`, true);

    assert.equal(received, `sudo -n -- sh -c 'printf '\\''%s\\n'\\'' "it'\\''s $HOME" > /tmp/out'`);
  });

  test('sudo result keeps the unwrapped command', async () => {
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    try {
      const result = await connection.exec('id -u', { sudo: true });

      assert.equal(result.command, 'id -u');
    } finally {
      await connection.close();
    }
  });
});

describe('exec on a dropped connection', () => {
  test('dropped connection rejects the command', async () => {
    const files = await writeClientFiles();
    const server = await startSshServer({ authorizedKeys: [files.key.publicKey], exec: reply });
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    try {
      // A lost connection carries no exit status, so the outcome must not look like an exit status or a signal.
      const outcome = await connection.exec('drop').then(
        (result) => result,
        (error: unknown) => error,
      );

      assert.ok(outcome instanceof ConnectError, `expected a ConnectError, got ${JSON.stringify(outcome)}`);
      assert.match(outcome.message, /^web1: /);
    } finally {
      await connection.close();
      await server.stop();
      await files.cleanup();
    }
  });
});

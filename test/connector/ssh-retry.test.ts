import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { ConnectError } from '../../src/errors.js';
import { SshConnection } from '../../src/ssh/connection.js';
import {
  connectOptionsFor,
  generateKeyPair,
  recordingLogger,
  startSshServer,
  writeClientFiles,
  type TestSshServer,
} from '../support/ssh-server.js';

/** Returns a loopback port that nothing listens on, picked by the kernel and released at once. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function loopback(port: number): { address: string; port: number } {
  return { address: '127.0.0.1', port };
}

function retryLines(lines: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return lines.filter((line) => typeof line.msg === 'string' && line.msg.includes('retrying'));
}

test('refused connection retried once', async () => {
  const files = await writeClientFiles();
  const { logger, lines } = recordingLogger();
  const port = await freePort();
  try {
    const started = Date.now();

    await assert.rejects(SshConnection.open(connectOptionsFor(loopback(port), files, { retries: 1, logger })), (error: unknown) => {
      assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
      assert.match(error.message, new RegExp(`cannot reach deploy@127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
      return true;
    });

    const retries = retryLines(lines());
    assert.equal(retries.length, 1, `expected one retry line, got ${JSON.stringify(lines())}`);
    assert.equal(retries[0]?.level, 40, 'the retry is not logged as a warning');
    assert.equal(retries[0]?.attempt, 1);
    assert.equal(retries[0]?.host, 'web1');
    assert.match(String(retries[0]?.err), /ECONNREFUSED/);
    // p-retry waits minTimeout (1 s) before the second attempt, so one attempt alone ends far sooner.
    assert.ok(Date.now() - started >= 900, `only ${Date.now() - started} ms passed, so no second attempt was made`);
  } finally {
    await files.cleanup();
  }
});

test('no retries means one attempt', async () => {
  const files = await writeClientFiles();
  const { logger, lines } = recordingLogger();
  const port = await freePort();
  try {
    const started = Date.now();

    await assert.rejects(SshConnection.open(connectOptionsFor(loopback(port), files, { retries: 0, logger })), ConnectError);

    assert.equal(retryLines(lines()).length, 0);
    assert.ok(Date.now() - started < 900, `${Date.now() - started} ms passed, as if a retry waited`);
  } finally {
    await files.cleanup();
  }
});

test('server starting late is reached', async () => {
  const files = await writeClientFiles();
  const { logger, lines } = recordingLogger();
  const port = await freePort();
  let server: TestSshServer | undefined;
  try {
    const hostKey = await generateKeyPair('ed25519');
    // The first attempt finds the port closed, and the server is up well before the retry 1 s later.
    const starting = new Promise<TestSshServer>((resolve, reject) => {
      setTimeout(() => startSshServer({ port, hostKeys: [hostKey], authorizedKeys: [files.key.publicKey] }).then(resolve, reject), 300);
    });
    const knownHostsLine = `[127.0.0.1]:${port} ${hostKey.publicKey}`;
    await writeFile(files.knownHostsFile, `${knownHostsLine}\n`);

    const connection = await SshConnection.open(connectOptionsFor(loopback(port), files, { retries: 2, logger }));
    server = await starting;
    try {
      const result = await connection.exec('hostname');
      assert.equal(result.exitCode, 0);
    } finally {
      await connection.close();
    }

    assert.equal(retryLines(lines()).length, 1);
    assert.equal(server.connectionCount(), 1);
  } finally {
    await server?.stop();
    await files.cleanup();
  }
});

test('handshake timeout retried', async () => {
  const files = await writeClientFiles();
  const { logger, lines } = recordingLogger();
  // Accepts TCP connections and never sends an SSH version line, like a hung sshd.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    await assert.rejects(
      SshConnection.open(connectOptionsFor(loopback(port), files, { retries: 1, readyTimeoutMs: 300, logger })),
      (error: unknown) => {
        assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
        assert.match(error.message, /handshake timed out after 300 ms/);
        return true;
      },
    );

    assert.equal(sockets.size, 2, 'expected one connection per attempt');
    assert.equal(retryLines(lines()).length, 1);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await files.cleanup();
  }
});

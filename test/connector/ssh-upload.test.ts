import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectError } from '../../src/errors.js';
import { SshConnection } from '../../src/ssh/connection.js';
import { connectOptionsFor, startSshServer, writeClientFiles } from '../support/ssh-server.js';

const CERTIFICATE = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n');

/** 100 KiB of every byte value, so the upload spans several SFTP WRITE requests. */
function binaryContent(): Buffer {
  const content = Buffer.alloc(100 * 1024);
  for (let i = 0; i < content.length; i += 1) content[i] = i % 256;
  return content;
}

test('one TCP connection per host', async () => {
  const files = await writeClientFiles();
  const server = await startSshServer({ authorizedKeys: [files.key.publicKey] });
  try {
    const key = binaryContent();
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    try {
      await connection.exec('uname -s');
      await connection.exec('id -u', { sudo: true });
      await connection.upload('/tmp/certfleet-upload/site.crt', CERTIFICATE, 0o644);
      await connection.exec('cat /etc/os-release');
      await connection.upload('/tmp/certfleet-upload/site.key', key, 0o600);
    } finally {
      await connection.close();
    }

    assert.equal(server.connectionCount(), 1);
    assert.equal(server.commands.length, 3);

    const certificate = server.files.get('/tmp/certfleet-upload/site.crt');
    assert.ok(certificate, 'site.crt was not uploaded');
    assert.ok(certificate.content.equals(CERTIFICATE), 'site.crt content differs');
    assert.equal(certificate.mode, 0o644);

    const privateKey = server.files.get('/tmp/certfleet-upload/site.key');
    assert.ok(privateKey, 'site.key was not uploaded');
    assert.equal(privateKey.content.length, key.length);
    assert.ok(privateKey.content.equals(key), 'site.key content differs');
    assert.equal(privateKey.mode, 0o600);
  } finally {
    await server.stop();
    await files.cleanup();
  }
});

test('upload creates file with final mode', async () => {
  const files = await writeClientFiles();
  const server = await startSshServer({ authorizedKeys: [files.key.publicKey] });
  try {
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    try {
      await connection.upload('/tmp/certfleet-upload/site.key', Buffer.from('secret key bytes\n'), 0o600);
    } finally {
      await connection.close();
    }

    // A private key must never exist, even briefly, with the default 0666 of an SFTP open.
    assert.equal(server.files.get('/tmp/certfleet-upload/site.key')?.openMode, 0o600);
  } finally {
    await server.stop();
    await files.cleanup();
  }
});

test('upload replaces a longer file', async () => {
  const files = await writeClientFiles();
  const server = await startSshServer({ authorizedKeys: [files.key.publicKey] });
  try {
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    try {
      await connection.upload('/tmp/certfleet-upload/site.crt', Buffer.from('a much longer first version\n'), 0o644);
      await connection.upload('/tmp/certfleet-upload/site.crt', Buffer.from('short\n'), 0o640);
    } finally {
      await connection.close();
    }

    const file = server.files.get('/tmp/certfleet-upload/site.crt');
    assert.equal(file?.content.toString('utf8'), 'short\n');
    assert.equal(file?.mode, 0o640);
  } finally {
    await server.stop();
    await files.cleanup();
  }
});

test('upload without SFTP subsystem rejects', async () => {
  const files = await writeClientFiles();
  const server = await startSshServer({ authorizedKeys: [files.key.publicKey], sftp: false });
  try {
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    try {
      await assert.rejects(connection.upload('/tmp/certfleet-upload/site.crt', CERTIFICATE, 0o644), (error: unknown) => {
        assert.ok(error instanceof ConnectError, `expected ConnectError, got ${String(error)}`);
        assert.match(error.message, /^web1: could not open the SFTP subsystem/);
        assert.match(error.message, /Subsystem sftp/);
        return true;
      });
    } finally {
      await connection.close();
    }

    assert.equal(server.files.size, 0);
  } finally {
    await server.stop();
    await files.cleanup();
  }
});

test('close twice is harmless', async () => {
  const files = await writeClientFiles();
  const server = await startSshServer({ authorizedKeys: [files.key.publicKey] });
  try {
    const connection = await SshConnection.open(connectOptionsFor(server, files, { acceptNewHostKeys: true }));
    await connection.upload('/tmp/certfleet-upload/site.crt', CERTIFICATE, 0o644);

    await connection.close();
    await connection.close();

    assert.equal(server.connectionCount(), 1);
  } finally {
    await server.stop();
    await files.cleanup();
  }
});

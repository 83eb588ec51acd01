import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createTempDir,
  createTestPki,
  encryptKey,
  generateStandaloneKey,
  removeTempDir,
  writeTestFile,
  type TestPki,
} from '../support/cert-factory.js';

const DOMAIN = 'cli.example.test';
const PASSPHRASE = 'cli-passphrase-93af';
const COMMAND_MODULE = new URL('../../src/cli/check-cert.js', import.meta.url).href;

let dir: string;
let pki: TestPki;
let driver: string;

before(() => {
  dir = createTempDir();
  pki = createTestPki({ dir, domain: DOMAIN });
  driver = writeTestFile(
    dir,
    'driver.mjs',
    [
      `const { checkCertCommand } = await import(${JSON.stringify(COMMAND_MODULE)});`,
      "await checkCertCommand().parseAsync(process.argv.slice(2), { from: 'user' });",
      '',
    ].join('\n'),
  );
});
after(() => removeTempDir(dir));

/** Runs `check-cert` in a child process, as a user would, with a clean passphrase variable. */
function runCheckCert(args: string[], passphrase?: string): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CERTFLEET_KEY_PASSPHRASE;
  if (passphrase !== undefined) env.CERTFLEET_KEY_PASSPHRASE = passphrase;

  const result = spawnSync(process.execPath, [driver, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('check-cert command', () => {
  test('prints a summary and exits 0', () => {
    const result = runCheckCert(['--cert', pki.fullChainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath]);

    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, new RegExp(`^Certificate OK for ${DOMAIN}\\n`));
    assert.match(result.stdout, /names: {4}cli\.example\.test\n/);
    assert.match(result.stdout, /issuers: {2}CN=Certfleet Test Intermediate CA 1 -> CN=Certfleet Test Root CA \(trusted, from /);
    assert.match(result.stdout, /\(\d+ day\(s\) left\)/);
    assert.match(result.stdout, /Repairs:\n {2}- .*dropped the self-signed root/);
  });

  test('prints one stderr line per problem and exits 1', () => {
    const result = runCheckCert(['--cert', pki.fullChainPath, '--key', pki.leaf.keyPath, '--domain', 'other.example.test']);

    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, result.stderr);
    assert.match(lines[0] ?? '', /^error: .*: the chain ends at the self-signed root/);
    assert.match(lines[1] ?? '', /^error: .*does not cover other\.example\.test\. It covers cli\.example\.test\./);
  });

  test('names the key file on a key mismatch', () => {
    const other = generateStandaloneKey(dir, 'cli-other', 'ec');
    const result = runCheckCert(['--cert', pki.chainPath, '--key', other.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath]);

    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`^error: ${other.keyPath}: the private key does not belong to ${pki.chainPath}`));
  });

  test('prints warnings on stdout', () => {
    const result = runCheckCert([
      '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--warn-days', '365',
    ]);

    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Warnings:\n {2}- .*expires in \d+ day\(s\)/);
  });

  test('decrypts a key with CERTFLEET_KEY_PASSPHRASE', () => {
    const encrypted = encryptKey(pki.leaf.keyPath, PASSPHRASE, 'pkcs8', join(dir, 'cli-encrypted.key'));
    const result = runCheckCert(['--cert', pki.chainPath, '--key', encrypted, '--domain', DOMAIN, '--ca', pki.root.certPath], PASSPHRASE);

    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /key: {6}EC prime256v1, decrypted in memory/);
    assert.equal(`${result.stdout}${result.stderr}`.includes(PASSPHRASE), false);
  });

  test('rejects an encrypted key without CERTFLEET_KEY_PASSPHRASE', () => {
    const encrypted = encryptKey(pki.leaf.keyPath, PASSPHRASE, 'pkcs8', join(dir, 'cli-encrypted-2.key'));
    const result = runCheckCert(['--cert', pki.chainPath, '--key', encrypted, '--domain', DOMAIN, '--ca', pki.root.certPath]);

    assert.equal(result.status, 1);
    assert.match(result.stderr, /the private key is encrypted .* CERTFLEET_KEY_PASSPHRASE is not set/);
  });

  test('requires --domain', () => {
    const result = runCheckCert(['--cert', pki.chainPath, '--key', pki.leaf.keyPath]);

    assert.equal(result.status, 1);
    assert.match(result.stderr, /required option '--domain <name>' not specified/);
  });

  test('requires --cert', () => {
    const result = runCheckCert(['--key', pki.leaf.keyPath, '--domain', DOMAIN]);

    assert.equal(result.status, 1);
    assert.match(result.stderr, /required option '--cert <file>' not specified/);
  });

  test('rejects a non-numeric --warn-days', () => {
    const result = runCheckCert(['--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--warn-days', 'soon']);

    assert.equal(result.status, 1);
    assert.match(result.stderr, /--warn-days <days>' argument 'soon' is invalid\. Expected a whole number of days/);
  });

  test('rejects an invalid --domain', () => {
    const result = runCheckCert(['--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', '*.example.test']);

    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: --domain "\*\.example\.test" is a wildcard/);
  });
});

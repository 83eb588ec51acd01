import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CertificateCheckError,
  loadPrivateKey,
  readCertificateFile,
  type KeySource,
} from '../../src/certs/index.js';
import {
  convertKey,
  createTempDir,
  createTestPki,
  encryptKey,
  generateStandaloneKey,
  removeTempDir,
  writeTestFile,
  type KeyAlgorithm,
  type KeyEncoding,
  type TestPki,
} from '../support/cert-factory.js';

const PASSPHRASE = 'correct horse battery staple';

let dir: string;
const pkis = new Map<KeyAlgorithm, TestPki>();

before(() => {
  dir = createTempDir();
  pkis.set('rsa', createTestPki({ dir, domain: 'rsa.example.test', leafKeyAlgorithm: 'rsa' }));
  pkis.set('ec', createTestPki({ dir, domain: 'ec.example.test', leafKeyAlgorithm: 'ec' }));
});
after(() => removeTempDir(dir));

function pkiFor(algorithm: KeyAlgorithm): TestPki {
  const pki = pkis.get(algorithm);
  assert.ok(pki, `no test PKI for ${algorithm}`);
  return pki;
}

async function keySourceOf(path: string): Promise<KeySource> {
  const contents = await readCertificateFile(path);
  const [source] = contents.keys;
  assert.ok(source, `${path} contains no key`);
  return source;
}

function matchesLeaf(pki: TestPki, pem: string): boolean {
  return new X509Certificate(pki.leaf.certPem).checkPrivateKey(createPrivateKey(pem));
}

describe('loadPrivateKey encodings', () => {
  const cases: Array<{ algorithm: KeyAlgorithm; encoding: KeyEncoding; label: string; repaired: boolean }> = [
    { algorithm: 'rsa', encoding: 'pkcs8', label: 'PRIVATE KEY', repaired: false },
    { algorithm: 'rsa', encoding: 'traditional', label: 'RSA PRIVATE KEY', repaired: false },
    { algorithm: 'rsa', encoding: 'pkcs8-der', label: 'PRIVATE KEY', repaired: true },
    { algorithm: 'rsa', encoding: 'traditional-der', label: 'PRIVATE KEY', repaired: true },
    { algorithm: 'ec', encoding: 'pkcs8', label: 'PRIVATE KEY', repaired: false },
    { algorithm: 'ec', encoding: 'traditional', label: 'EC PRIVATE KEY', repaired: false },
    { algorithm: 'ec', encoding: 'pkcs8-der', label: 'PRIVATE KEY', repaired: true },
    { algorithm: 'ec', encoding: 'traditional-der', label: 'PRIVATE KEY', repaired: true },
  ];

  for (const { algorithm, encoding, label, repaired } of cases) {
    test(`reads ${algorithm.toUpperCase()} ${encoding} as "${label}" PEM`, async () => {
      const pki = pkiFor(algorithm);
      const path = convertKey(pki.leaf.keyPath, encoding, join(dir, `${algorithm}-${encoding}.key`));
      const key = loadPrivateKey(await keySourceOf(path));

      assert.ok(key.pem.startsWith(`-----BEGIN ${label}-----\n`), key.pem.split('\n')[0]);
      assert.ok(key.pem.endsWith(`-----END ${label}-----\n`));
      assert.equal(key.pem.includes('\r'), false);
      assert.ok(matchesLeaf(pki, key.pem));
      assert.equal(key.encrypted, false);
      assert.equal(key.repairs.some((repair) => repair.includes('converted the DER private key')), repaired);
    });
  }

  test('keeps the bytes of an unencrypted PEM key', async () => {
    const pki = pkiFor('ec');
    const key = loadPrivateKey(await keySourceOf(pki.leaf.keyPath));
    assert.equal(key.pem, pki.leaf.keyPem);
  });

  test('describes an RSA key by its size', async () => {
    const key = loadPrivateKey(await keySourceOf(pkiFor('rsa').leaf.keyPath));
    assert.equal(key.description, 'RSA 2048-bit');
  });

  test('describes an EC key by its curve', async () => {
    const key = loadPrivateKey(await keySourceOf(pkiFor('ec').leaf.keyPath));
    assert.equal(key.description, 'EC prime256v1');
  });
});

describe('loadPrivateKey encrypted keys', () => {
  const styles = ['pkcs8', 'legacy', 'pkcs8-der'] as const;
  const algorithms: KeyAlgorithm[] = ['rsa', 'ec'];

  for (const algorithm of algorithms) {
    for (const style of styles) {
      test(`rejects ${algorithm.toUpperCase()} ${style} encrypted key without passphrase`, async () => {
        const path = encryptKey(pkiFor(algorithm).leaf.keyPath, PASSPHRASE, style, join(dir, `${algorithm}-${style}-enc-a.key`));
        const source = await keySourceOf(path);

        assert.throws(() => loadPrivateKey(source), (error: unknown) => {
          assert.ok(error instanceof CertificateCheckError);
          assert.equal(error.problems[0]?.kind, 'encrypted-key');
          assert.equal(error.file, path);
          assert.match(error.message, /CERTFLEET_KEY_PASSPHRASE is not set/);
          return true;
        });
      });

      test(`decrypts ${algorithm.toUpperCase()} ${style} encrypted key with passphrase`, async () => {
        const pki = pkiFor(algorithm);
        const path = encryptKey(pki.leaf.keyPath, PASSPHRASE, style, join(dir, `${algorithm}-${style}-enc-b.key`));
        const key = loadPrivateKey(await keySourceOf(path), PASSPHRASE);

        assert.ok(key.pem.startsWith('-----BEGIN PRIVATE KEY-----\n'));
        assert.equal(key.pem.includes('ENCRYPTED'), false);
        assert.ok(matchesLeaf(pki, key.pem));
        assert.equal(key.encrypted, true);
        assert.match(key.repairs.join('\n'), /decrypted the private key in memory/);
      });
    }
  }

  test('rejects a wrong passphrase without printing it', async () => {
    const path = encryptKey(pkiFor('ec').leaf.keyPath, PASSPHRASE, 'pkcs8', join(dir, 'wrong-passphrase.key'));
    const source = await keySourceOf(path);
    const wrong = 'not-the-passphrase';

    assert.throws(() => loadPrivateKey(source, wrong), (error: unknown) => {
      assert.ok(error instanceof CertificateCheckError);
      assert.equal(error.problems[0]?.kind, 'wrong-passphrase');
      assert.equal(error.message.includes(wrong), false);
      assert.equal(error.message.includes(PASSPHRASE), false);
      assert.equal(error.cause, undefined);
      return true;
    });
  });

  test('treats an empty passphrase as not given', async () => {
    const path = encryptKey(pkiFor('ec').leaf.keyPath, PASSPHRASE, 'pkcs8', join(dir, 'empty-passphrase.key'));
    const source = await keySourceOf(path);

    assert.throws(() => loadPrivateKey(source, ''), /CERTFLEET_KEY_PASSPHRASE is not set/);
  });

  test('warns when a passphrase is given for a plain key', async () => {
    const key = loadPrivateKey(await keySourceOf(pkiFor('ec').leaf.keyPath), PASSPHRASE);

    assert.match(key.warnings.join('\n'), /is set but the private key is not encrypted/);
    assert.equal(key.warnings.join('\n').includes(PASSPHRASE), false);
  });
});

describe('loadPrivateKey weak and invalid keys', () => {
  test('warns about an RSA key under 2048 bits', async () => {
    const small = generateStandaloneKey(dir, 'small-rsa', 'rsa', 1024);
    const key = loadPrivateKey(await keySourceOf(small.keyPath));

    assert.match(key.warnings.join('\n'), /the RSA key has only 1024 bits/);
  });

  test('does not warn about a 2048-bit RSA key', async () => {
    const key = loadPrivateKey(await keySourceOf(pkiFor('rsa').leaf.keyPath));
    assert.deepEqual(key.warnings, []);
  });

  test('rejects a key block whose content is not a key', async () => {
    const path = writeTestFile(dir, 'not-a-key.key', '-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n');
    const source = await keySourceOf(path);

    assert.throws(() => loadPrivateKey(source), (error: unknown) => {
      assert.ok(error instanceof CertificateCheckError);
      assert.equal(error.problems[0]?.kind, 'invalid-key');
      assert.match(error.message, /could not be parsed/);
      assert.equal(error.message.includes('MAMCAQA'), false);
      return true;
    });
  });
});

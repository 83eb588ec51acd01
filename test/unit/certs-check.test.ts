import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  CertificateCheckError,
  checkCertificateFiles,
  loadTrustStore,
  type CertificateProblemKind,
  type CheckCertificateRequest,
} from '../../src/certs/index.js';
import { InputError } from '../../src/errors.js';
import {
  certificatesToPkcs7,
  certificateToDer,
  convertKey,
  createTempDir,
  createTestPki,
  daysFromNow,
  encryptKey,
  generateStandaloneKey,
  issueLeafCertificate,
  removeTempDir,
  writeTestFile,
  type KeyAlgorithm,
  type TestPki,
} from '../support/cert-factory.js';

const DOMAIN = 'check.example.test';
const PASSPHRASE = 'check-passphrase-5d1e';

let dir: string;
const pkis = new Map<KeyAlgorithm, TestPki>();

before(() => {
  dir = createTempDir();
  pkis.set('rsa', createTestPki({ dir, domain: DOMAIN, keyAlgorithm: 'rsa', caNamePrefix: 'RSA Test' }));
  pkis.set('ec', createTestPki({ dir, domain: DOMAIN, keyAlgorithm: 'ec', caNamePrefix: 'EC Test' }));
});
after(() => removeTempDir(dir));

function pkiFor(algorithm: KeyAlgorithm): TestPki {
  const pki = pkis.get(algorithm);
  assert.ok(pki, `no test PKI for ${algorithm}`);
  return pki;
}

/** Builds a passing request for the EC hierarchy, with `overrides` applied. */
function request(overrides: Partial<CheckCertificateRequest> = {}): CheckCertificateRequest {
  const pki = pkiFor('ec');
  return {
    certPath: pki.chainPath,
    keyPath: pki.leaf.keyPath,
    domains: [DOMAIN],
    caPaths: [pki.root.certPath],
    trustStorePaths: [],
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, kind: CertificateProblemKind): Promise<CertificateCheckError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof CertificateCheckError, String(caught));
  assert.ok(caught.has(kind), `expected ${kind}, got: ${caught.message}`);
  return caught;
}

describe('checkCertificateFiles result', () => {
  for (const algorithm of ['rsa', 'ec'] as const) {
    test(`passes a valid ${algorithm.toUpperCase()} chain`, async () => {
      const pki = pkiFor(algorithm);
      const leaf = new X509Certificate(pki.leaf.certPem);
      const checked = await checkCertificateFiles(request({ certPath: pki.chainPath, keyPath: pki.leaf.keyPath, caPaths: [pki.root.certPath] }));

      assert.equal(checked.leaf.fingerprint256, leaf.fingerprint256);
      assert.equal(checked.leaf.serial, leaf.serialNumber);
      assert.equal(checked.leaf.subject, `CN=${DOMAIN}`);
      assert.equal(checked.leaf.issuer, `CN=${algorithm.toUpperCase()} Test Intermediate CA 1`);
      assert.deepEqual(checked.leaf.names, [DOMAIN]);
      assert.deepEqual(checked.domains, [{ domain: DOMAIN, coveredBy: DOMAIN }]);
      assert.ok(checked.leaf.daysLeft >= 88, String(checked.leaf.daysLeft));
      assert.ok(checked.leaf.daysLeft <= 90, String(checked.leaf.daysLeft));
      assert.deepEqual(checked.warnings, []);
    });
  }

  test('returns the chain as LF PEM with a final newline', async () => {
    const checked = await checkCertificateFiles(request());

    assert.equal(checked.chainPem, pkiFor('ec').chainPem);
    assert.equal(checked.chainPem.includes('\r'), false);
    assert.ok(checked.chainPem.endsWith('-----END CERTIFICATE-----\n'));
  });

  test('hashes exactly the returned bytes', async () => {
    const checked = await checkCertificateFiles(request());

    assert.equal(checked.chainSha256, createHash('sha256').update(checked.chainPem).digest('hex'));
    assert.equal(checked.keySha256, createHash('sha256').update(checked.keyPem).digest('hex'));
  });

  test('keeps the key out of JSON and inspect', async () => {
    const checked = await checkCertificateFiles(request());
    const keyBody = pkiFor('ec').leaf.keyPem.split('\n')[1] ?? '';

    assert.ok(keyBody.length > 20);
    assert.equal(JSON.stringify(checked).includes(keyBody), false);
    assert.equal(inspect(checked, { depth: 5 }).includes(keyBody), false);
    assert.ok(checked.keyPem.includes(keyBody));
  });

  test('returns the key unchanged when it needs no repair', async () => {
    const checked = await checkCertificateFiles(request());
    assert.equal(checked.keyPem, pkiFor('ec').leaf.keyPem);
  });

  test('normalises CRLF and a byte order mark in the output', async () => {
    const pki = pkiFor('ec');
    const messy = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pki.chainPem.replace(/\n/g, '\r\n'))]);
    const checked = await checkCertificateFiles(request({ certPath: writeTestFile(dir, 'messy-chain.pem', messy) }));

    assert.equal(checked.chainPem, pki.chainPem);
    assert.match(checked.repairs.join('\n'), /removed the UTF-8 byte order mark/);
    assert.match(checked.repairs.join('\n'), /converted CRLF line endings to LF/);
  });

  test('accepts a DER certificate and DER key', async () => {
    const pki = pkiFor('rsa');
    const certDer = certificateToDer(pki.leaf.certPath, join(dir, 'leaf-rsa.der'));
    const keyDer = convertKey(pki.leaf.keyPath, 'traditional-der', join(dir, 'leaf-rsa.key.der'));
    const checked = await checkCertificateFiles(
      request({ certPath: certDer, keyPath: keyDer, caPaths: [pki.intermediates[0]?.certPath ?? ''] }),
    );

    assert.equal(checked.chainPem, pki.leaf.certPem);
    assert.ok(checked.keyPem.startsWith('-----BEGIN PRIVATE KEY-----\n'));
  });

  test('reuses a loaded trust store', async () => {
    const trustStore = await loadTrustStore({ caPaths: [pkiFor('ec').root.certPath], systemBundlePaths: [], includeNodeRoots: false });
    const checked = await checkCertificateFiles(request({ caPaths: [], trustStore }));

    assert.equal(checked.trustAnchor.source, pkiFor('ec').root.certPath);
  });
});

describe('checkCertificateFiles file roles', () => {
  test('names files given the wrong way round', async () => {
    const pki = pkiFor('ec');
    const error = await rejectsWith(checkCertificateFiles(request({ certPath: pki.leaf.keyPath, keyPath: pki.chainPath })), 'files-swapped');

    assert.equal(error.file, pki.leaf.keyPath);
    assert.match(error.message, /the files are the wrong way round/);
    assert.match(error.message, new RegExp(`Swap them: --cert ${pki.chainPath} --key ${pki.leaf.keyPath}`));
  });

  test('splits one file given as cert and key', async () => {
    const pki = pkiFor('ec');
    const combined = writeTestFile(dir, 'combined.pem', pki.chainPem + pki.leaf.keyPem);
    const checked = await checkCertificateFiles(request({ certPath: combined, keyPath: combined }));

    assert.equal(checked.chainPem, pki.chainPem);
    assert.equal(checked.keyPem, pki.leaf.keyPem);
    assert.match(checked.repairs.join('\n'), /split the file into 2 certificate\(s\) and the private key/);
  });

  test('ignores a key inside the cert file when --key is separate', async () => {
    const pki = pkiFor('ec');
    const combined = writeTestFile(dir, 'combined-2.pem', pki.leaf.keyPem + pki.chainPem);
    const checked = await checkCertificateFiles(request({ certPath: combined }));

    assert.match(checked.repairs.join('\n'), /ignored the private key in the certificate file/);
  });

  test('names a CSR given as the certificate', async () => {
    const pki = pkiFor('ec');
    const csrPath = pki.leaf.certPath.replace(/\.pem$/, '.csr');
    const error = await rejectsWith(checkCertificateFiles(request({ certPath: csrPath })), 'no-certificate');

    assert.match(error.message, /contains no certificate \(found: the "CERTIFICATE REQUEST" block at line 1, a certificate signing request \(CSR\), not a certificate\)\./);
  });

  test('explains converting a PKCS#7 bundle', async () => {
    const bundle = certificatesToPkcs7(pkiFor('ec').chainPath, join(dir, 'chain.p7b.pem'));
    const error = await rejectsWith(checkCertificateFiles(request({ certPath: bundle })), 'no-certificate');

    assert.match(error.message, /found: the "PKCS7" block at line 1, a PKCS#7 bundle\)/);
    assert.match(error.message, /Convert the PKCS#7 bundle with `openssl pkcs7 -in FILE -print_certs -out cert\.pem`\./);
  });

  test('rejects a key file without a key', async () => {
    const pki = pkiFor('ec');
    const error = await rejectsWith(checkCertificateFiles(request({ keyPath: pki.root.certPath })), 'no-private-key');

    assert.equal(error.file, pki.root.certPath);
    assert.match(error.message, /contains no private key \(found: 1 certificate\(s\)\)/);
  });

  test('rejects a key file with two keys', async () => {
    const pki = pkiFor('ec');
    const twoKeys = writeTestFile(dir, 'two-keys.pem', pki.leaf.keyPem + pki.root.keyPem);
    await rejectsWith(checkCertificateFiles(request({ keyPath: twoKeys })), 'several-keys');
  });

  test('reports both missing files at once', async () => {
    const certPath = join(dir, 'absent-cert.pem');
    const keyPath = join(dir, 'absent-key.pem');
    const error = await rejectsWith(checkCertificateFiles(request({ certPath, keyPath })), 'file-unreadable');

    assert.deepEqual(error.problems.map((problem) => problem.file), [certPath, keyPath]);
  });
});

describe('checkCertificateFiles key', () => {
  test('names the leaf when the key does not match', async () => {
    const other = generateStandaloneKey(dir, 'earlier-csr', 'ec');
    const leaf = new X509Certificate(pkiFor('ec').leaf.certPem);
    const error = await rejectsWith(checkCertificateFiles(request({ keyPath: other.keyPath })), 'key-mismatch');

    assert.equal(error.file, other.keyPath);
    assert.equal(
      error.message,
      `${other.keyPath}: the private key does not belong to ${pkiFor('ec').chainPath} (leaf "CN=${DOMAIN}" (serial ${leaf.serialNumber})). ` +
        'Was the key from an earlier certificate signing request? Pass the key generated with the request for this certificate.',
    );
  });

  test('names the key type when it differs', async () => {
    const rsaKey = generateStandaloneKey(dir, 'rsa-for-ec', 'rsa');
    const error = await rejectsWith(checkCertificateFiles(request({ keyPath: rsaKey.keyPath })), 'key-mismatch');

    assert.match(error.message, /The key is RSA but the certificate's key is EC\./);
  });

  test("rejects the CA's key", async () => {
    const pki = pkiFor('ec');
    const error = await rejectsWith(checkCertificateFiles(request({ keyPath: pki.intermediates[0]?.keyPath ?? '' })), 'key-belongs-to-ca');

    assert.match(error.message, /belongs to the CA certificate "CN=EC Test Intermediate CA 1"/);
  });

  test('rejects an encrypted key without passphrase', async () => {
    const encrypted = encryptKey(pkiFor('ec').leaf.keyPath, PASSPHRASE, 'pkcs8', join(dir, 'check-encrypted-a.key'));
    await rejectsWith(checkCertificateFiles(request({ keyPath: encrypted })), 'encrypted-key');
  });

  test('decrypts an encrypted key with passphrase', async () => {
    const pki = pkiFor('ec');
    const encrypted = encryptKey(pki.leaf.keyPath, PASSPHRASE, 'legacy', join(dir, 'check-encrypted-b.key'));
    const checked = await checkCertificateFiles(request({ keyPath: encrypted, keyPassphrase: PASSPHRASE }));

    assert.ok(checked.keyPem.startsWith('-----BEGIN PRIVATE KEY-----\n'));
    assert.equal(checked.key.decrypted, true);
    assert.equal(JSON.stringify(checked).includes(PASSPHRASE), false);
  });

  test('rejects a wrong passphrase', async () => {
    const encrypted = encryptKey(pkiFor('ec').leaf.keyPath, PASSPHRASE, 'pkcs8', join(dir, 'check-encrypted-c.key'));
    const error = await rejectsWith(checkCertificateFiles(request({ keyPath: encrypted, keyPassphrase: 'wrong-one' })), 'wrong-passphrase');

    assert.equal(error.message.includes('wrong-one'), false);
  });
});

describe('checkCertificateFiles names', () => {
  test('lists covered names when a domain is missing', async () => {
    const error = await rejectsWith(checkCertificateFiles(request({ domains: [DOMAIN, 'api.example.test'] })), 'name-not-covered');

    assert.match(error.message, new RegExp(`does not cover api.example.test\\. It covers ${DOMAIN}\\.`));
  });

  test('accepts a domain covered by a wildcard', async () => {
    const pki = pkiFor('ec');
    const leaf = issueLeafCertificate(dir, pki.intermediates[0] ?? pki.root, { commonName: 'wild', dnsNames: ['*.wild.example.test'] });
    const checked = await checkCertificateFiles(
      request({ certPath: writeTestFile(dir, 'wild-chain.pem', leaf.certPem + pki.intermediates[0]?.certPem), keyPath: leaf.keyPath, domains: ['www.wild.example.test'] }),
    );

    assert.deepEqual(checked.domains, [{ domain: 'www.wild.example.test', coveredBy: '*.wild.example.test' }]);
  });

  test('rejects the bare domain of a wildcard', async () => {
    const pki = pkiFor('ec');
    const leaf = issueLeafCertificate(dir, pki.intermediates[0] ?? pki.root, { commonName: 'wild2', dnsNames: ['*.wild2.example.test'] });
    const certPath = writeTestFile(dir, 'wild2-chain.pem', leaf.certPem + pki.intermediates[0]?.certPem);
    const error = await rejectsWith(checkCertificateFiles(request({ certPath, keyPath: leaf.keyPath, domains: ['wild2.example.test'] })), 'name-not-covered');

    assert.match(error.message, /It covers \*\.wild2\.example\.test\./);
  });

  test('warns when names come from the CN', async () => {
    const pki = pkiFor('ec');
    const leaf = issueLeafCertificate(dir, pki.intermediates[0] ?? pki.root, { commonName: 'cn.example.test', dnsNames: [] });
    const checked = await checkCertificateFiles(
      request({ certPath: writeTestFile(dir, 'cn-chain.pem', leaf.certPem + pki.intermediates[0]?.certPem), keyPath: leaf.keyPath, domains: ['cn.example.test'] }),
    );

    assert.equal(checked.leaf.namesSource, 'commonName');
    assert.match(checked.warnings.join('\n'), /has no subjectAltName/);
  });

  test('rejects an invalid domain before reading files', async () => {
    await assert.rejects(checkCertificateFiles(request({ domains: ['bad domain'], certPath: join(dir, 'absent.pem') })), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error instanceof CertificateCheckError, false);
      assert.match(error.message, /"bad domain" is not a valid DNS name/);
      return true;
    });
  });

  test('rejects an empty domain list', async () => {
    await assert.rejects(checkCertificateFiles(request({ domains: [] })), /no --domain was given/);
  });
});

describe('checkCertificateFiles validity', () => {
  function leafWithDates(stem: string, notBefore: Date, notAfter: Date): CheckCertificateRequest {
    const pki = pkiFor('ec');
    const issuer = pki.intermediates[0] ?? pki.root;
    const leaf = issueLeafCertificate(dir, issuer, { commonName: DOMAIN, notBefore, notAfter, fileStem: stem });
    return request({ certPath: writeTestFile(dir, `${stem}-chain.pem`, leaf.certPem + issuer.certPem), keyPath: leaf.keyPath });
  }

  test('rejects an expired leaf', async () => {
    const error = await rejectsWith(checkCertificateFiles(leafWithDates('expired', daysFromNow(-100), daysFromNow(-3))), 'expired');

    assert.match(error.message, /the leaf certificate "CN=check.example.test" expired on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(3 day\(s\) ago\)/);
    assert.match(error.message, /Renew it with your CA/);
  });

  test('rejects a leaf that is not yet valid', async () => {
    const error = await rejectsWith(checkCertificateFiles(leafWithDates('future', daysFromNow(5), daysFromNow(90))), 'not-yet-valid');

    assert.match(error.message, /is not valid until/);
  });

  test('warns about a leaf expiring soon', async () => {
    const checked = await checkCertificateFiles(leafWithDates('soon', daysFromNow(-1), daysFromNow(10.5)));

    assert.equal(checked.leaf.daysLeft, 10);
    assert.match(checked.warnings.join('\n'), /the leaf certificate "CN=check.example.test" expires in 10 day\(s\).*warning threshold: 30 days/);
  });

  test('honours a lower warnDays', async () => {
    const checked = await checkCertificateFiles({ ...leafWithDates('soon-2', daysFromNow(-1), daysFromNow(10.5)), warnDays: 5 });
    assert.deepEqual(checked.warnings, []);
  });

  test('checks validity at the given time', async () => {
    const error = await rejectsWith(checkCertificateFiles(request({ now: daysFromNow(200) })), 'expired');
    assert.equal(error.problems.length, 1);
  });

  test('rejects a negative warnDays', async () => {
    await assert.rejects(checkCertificateFiles(request({ warnDays: -1 })), /--warn-days must be a whole number of days/);
  });
});

describe('checkCertificateFiles several problems', () => {
  test('reports chain, name and validity problems together', async () => {
    const pki = pkiFor('ec');
    const error = await rejectsWith(
      checkCertificateFiles(request({ certPath: pki.fullChainPath, caPaths: [], domains: ['other.example.test'], now: daysFromNow(200) })),
      'untrusted-root',
    );
    const kinds = error.problems.map((problem) => problem.kind);

    assert.deepEqual(kinds, ['untrusted-root', 'name-not-covered', 'expired']);
    assert.equal(error.message.split('\n').length, 3);
    for (const line of error.message.split('\n')) {
      assert.ok(line.startsWith(`${pki.fullChainPath}: `), line);
    }
  });
});

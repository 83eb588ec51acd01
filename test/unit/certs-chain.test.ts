import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CertificateCheckError,
  checkCertificateFiles,
  type CertificateProblemKind,
  type CheckCertificateRequest,
} from '../../src/certs/index.js';
import {
  createSelfSignedLeaf,
  createTempDir,
  crossSignCa,
  createTestPki,
  daysFromNow,
  issueCaCertificate,
  issueLeafCertificate,
  removeTempDir,
  writeTestFile,
  type TestPki,
} from '../support/cert-factory.js';

const DOMAIN = 'chain.example.test';

let dir: string;
let pki: TestPki;
let stranger: TestPki;

before(() => {
  dir = createTempDir();
  pki = createTestPki({ dir, domain: DOMAIN, intermediateCount: 2 });
  stranger = createTestPki({ dir, domain: 'stranger.example.test', caNamePrefix: 'Stranger' });
});
after(() => removeTempDir(dir));

/** Checks `certPem` with the leaf key, trusting only the --ca files given (no system bundle). */
function check(certPem: string, options: Partial<CheckCertificateRequest> = {}) {
  const certPath = writeTestFile(dir, `cert-${Math.random().toString(16).slice(2)}.pem`, certPem);
  return checkCertificateFiles({
    certPath,
    keyPath: pki.leaf.keyPath,
    domains: [DOMAIN],
    trustStorePaths: [],
    ...options,
  });
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

describe('chain order', () => {
  test('keeps an ordered chain as given', async () => {
    const checked = await check(pki.chainPem, { caPaths: [pki.root.certPath] });

    assert.equal(checked.chainPem, pki.chainPem);
    assert.deepEqual(checked.repairs, []);
  });

  test('reorders a reversed chain', async () => {
    const [leafIssuer, topIntermediate] = pki.intermediates;
    const reversed = [topIntermediate, leafIssuer, pki.leaf].map((certificate) => certificate?.certPem).join('');
    const checked = await check(reversed, { caPaths: [pki.root.certPath] });

    assert.equal(checked.chainPem, pki.chainPem);
    assert.match(checked.repairs.join('\n'), /reordered the chain/);
  });

  test('lists intermediates from the leaf upwards', async () => {
    const checked = await check(pki.chainPem, { caPaths: [pki.root.certPath] });

    assert.deepEqual(checked.intermediates.map((certificate) => certificate.subject), [
      'CN=Certfleet Test Intermediate CA 2',
      'CN=Certfleet Test Intermediate CA 1',
    ]);
    assert.equal(checked.trustAnchor.subject, 'CN=Certfleet Test Root CA');
  });

  test('drops a certificate outside the chain', async () => {
    const checked = await check(pki.chainPem + stranger.leaf.certPem, { caPaths: [pki.root.certPath] });

    assert.equal(checked.chainPem, pki.chainPem);
    assert.match(checked.repairs.join('\n'), /dropped "CN=stranger.example.test" \(serial [0-9A-F]+\), which is not in the chain/);
  });

  test('drops a duplicate certificate', async () => {
    const leafIssuer = pki.intermediates[0];
    const checked = await check(pki.chainPem + leafIssuer?.certPem, { caPaths: [pki.root.certPath] });

    assert.equal(checked.chainPem, pki.chainPem);
    assert.match(checked.repairs.join('\n'), /dropped a duplicate of "CN=Certfleet Test Intermediate CA 2"/);
  });
});

describe('chain root', () => {
  test('drops a trusted self-signed root from the bundle', async () => {
    const checked = await check(pki.fullChainPem, { caPaths: [pki.root.certPath] });

    assert.equal(checked.chainPem, pki.chainPem);
    assert.match(checked.repairs.join('\n'), /dropped the self-signed root "CN=Certfleet Test Root CA"/);
  });

  test('trusts a root from the system bundle', async () => {
    const bundle = writeTestFile(dir, 'system-bundle.pem', stranger.root.certPem + pki.root.certPem);
    const checked = await check(pki.chainPem, { trustStorePaths: [bundle] });

    assert.equal(checked.trustAnchor.source, bundle);
  });

  test('rejects a bundled root that is not trusted', async () => {
    const error = await rejectsWith(check(pki.fullChainPem), 'untrusted-root');

    assert.match(error.message, /the chain ends at the self-signed root "CN=Certfleet Test Root CA", which is not in the trust store/);
    assert.match(error.message, /pass its certificate with --ca FILE/);
  });

  test('rejects a chain whose root is nowhere', async () => {
    const error = await rejectsWith(check(pki.chainPem), 'issuer-missing');

    assert.match(error.message, /the issuer "CN=Certfleet Test Root CA" of "CN=Certfleet Test Intermediate CA 1"/);
  });

  test('rejects a leaf without its intermediates', async () => {
    const error = await rejectsWith(check(pki.leaf.certPem, { caPaths: [pki.root.certPath] }), 'issuer-missing');

    assert.match(error.message, /the issuer "CN=Certfleet Test Intermediate CA 2" of "CN=chain.example.test" is neither in/);
    assert.match(error.message, /If that issuer is an intermediate CA, append its certificate/);
  });

  test('rejects intermediates of another hierarchy', async () => {
    const error = await rejectsWith(check(pki.leaf.certPem + stranger.intermediates[0]?.certPem, { caPaths: [pki.root.certPath] }), 'issuer-missing');

    assert.match(error.message, /the issuer "CN=Certfleet Test Intermediate CA 2" of "CN=chain.example.test"/);
  });

  test('accepts a --ca intermediate as trust anchor', async () => {
    const checked = await check(pki.leaf.certPem, { caPaths: [pki.intermediates[0]?.certPath ?? ''] });

    assert.equal(checked.trustAnchor.subject, 'CN=Certfleet Test Intermediate CA 2');
    assert.deepEqual(checked.intermediates, []);
  });
});

describe('chain cross-signed root', () => {
  let oldRoot: TestPki;

  before(() => {
    oldRoot = createTestPki({ dir, domain: 'old.example.test', intermediateCount: 0, caNamePrefix: 'Old' });
  });

  test('keeps a cross-signed root after the trusted path', async () => {
    const cross = crossSignCa(dir, pki.root, oldRoot.root);
    const checked = await check(pki.chainPem + cross.certPem, { caPaths: [pki.root.certPath] });

    assert.equal(checked.chainPem, pki.chainPem + cross.certPem);
    assert.equal(checked.trustAnchor.subject, 'CN=Certfleet Test Root CA');
    assert.deepEqual(checked.warnings, []);
  });

  test('warns about an expired cross-signed root', async () => {
    const cross = crossSignCa(dir, pki.root, oldRoot.root, { notBefore: daysFromNow(-400), notAfter: daysFromNow(-10) });
    const checked = await check(pki.chainPem + cross.certPem, { caPaths: [pki.root.certPath] });

    assert.match(checked.warnings.join('\n'), /the intermediate certificate "CN=Certfleet Test Root CA" expired on .* Clients that trust "CN=Certfleet Test Root CA" do not use it/);
  });
});

describe('chain special cases', () => {
  test('rejects an untrusted self-signed leaf', async () => {
    const leaf = createSelfSignedLeaf(dir, { commonName: 'self.example.test' });
    const error = await rejectsWith(
      checkCertificateFiles({ certPath: leaf.certPath, keyPath: leaf.keyPath, domains: ['self.example.test'], trustStorePaths: [] }),
      'untrusted-root',
    );

    assert.match(error.message, /is self-signed and not in the trust store/);
    assert.match(error.message, new RegExp(`--ca ${leaf.certPath}`));
  });

  test('accepts a self-signed leaf named by --ca', async () => {
    const leaf = createSelfSignedLeaf(dir, { commonName: 'self2.example.test' });
    const checked = await checkCertificateFiles({
      certPath: leaf.certPath,
      keyPath: leaf.keyPath,
      domains: ['self2.example.test'],
      caPaths: [leaf.certPath],
      trustStorePaths: [],
    });

    assert.equal(checked.chainPem, leaf.certPem);
    assert.equal(checked.trustAnchor.subject, 'CN=self2.example.test');
  });

  test('reports an expired self-signed leaf once', async () => {
    const leaf = createSelfSignedLeaf(dir, { commonName: 'oldself.example.test', notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) });
    const error = await rejectsWith(
      checkCertificateFiles({
        certPath: leaf.certPath,
        keyPath: leaf.keyPath,
        domains: ['oldself.example.test'],
        caPaths: [leaf.certPath],
        trustStorePaths: [],
      }),
      'expired',
    );

    assert.equal(error.problems.length, 1);
  });

  test('rejects an issuer that is not a CA', async () => {
    const notCa = issueCaCertificate(dir, pki.root, { commonName: 'Not A CA', basicConstraintsCa: false });
    const leaf = issueLeafCertificate(dir, notCa, { commonName: 'notca.example.test' });
    const error = await rejectsWith(
      checkCertificateFiles({
        certPath: writeTestFile(dir, 'notca-chain.pem', leaf.certPem + notCa.certPem),
        keyPath: leaf.keyPath,
        domains: ['notca.example.test'],
        caPaths: [pki.root.certPath],
        trustStorePaths: [],
      }),
      'issuer-not-ca',
    );

    assert.match(error.message, /"CN=Not A CA" \(serial [0-9A-F]+\) signed "CN=notca.example.test" but is not a CA certificate/);
  });

  test('rejects an expired intermediate', async () => {
    const expired = issueCaCertificate(dir, pki.root, {
      commonName: 'Expired Intermediate',
      notBefore: daysFromNow(-400),
      notAfter: daysFromNow(-2),
    });
    const leaf = issueLeafCertificate(dir, expired, { commonName: 'oldint.example.test' });
    const error = await rejectsWith(
      checkCertificateFiles({
        certPath: writeTestFile(dir, 'expired-int-chain.pem', leaf.certPem + expired.certPem),
        keyPath: leaf.keyPath,
        domains: ['oldint.example.test'],
        caPaths: [pki.root.certPath],
        trustStorePaths: [],
      }),
      'expired',
    );

    assert.match(error.message, /the intermediate certificate "CN=Expired Intermediate" expired on/);
  });
});

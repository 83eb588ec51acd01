import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import {
  CertificateCheckError,
  defaultSystemBundlePaths,
  findTrustedIssuer,
  loadTrustStore,
  SYSTEM_CA_BUNDLE_PATHS,
} from '../../src/certs/index.js';
import { createTempDir, createTestPki, removeTempDir, writeTestFile, type TestPki } from '../support/cert-factory.js';

let dir: string;
let pki: TestPki;
let other: TestPki;

before(() => {
  dir = createTempDir();
  pki = createTestPki({ dir, domain: 'trust.example.test', intermediateCount: 0 });
  other = createTestPki({ dir, domain: 'other.example.test', intermediateCount: 0, caNamePrefix: 'Other' });
});
after(() => removeTempDir(dir));

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

describe('loadTrustStore', () => {
  test('reads the first system bundle that exists', async () => {
    const bundle = writeTestFile(dir, 'bundle-a.pem', pki.root.certPem);
    const second = writeTestFile(dir, 'bundle-b.pem', other.root.certPem);
    const store = await loadTrustStore({ systemBundlePaths: [join(dir, 'absent.pem'), bundle, second], includeNodeRoots: false });

    assert.equal(store.systemBundle, bundle);
    assert.deepEqual(store.anchors.map((anchor) => anchor.certificate.fingerprint256), [fingerprintOf(pki.root.certPem)]);
  });

  test('warns when no system bundle exists', async () => {
    const store = await loadTrustStore({ systemBundlePaths: [join(dir, 'absent.pem')], includeNodeRoots: false });

    assert.equal(store.systemBundle, undefined);
    assert.match(store.warnings.join('\n'), /no system CA bundle was found/);
  });

  test('adds node built-in roots by default', async () => {
    const store = await loadTrustStore({ systemBundlePaths: [] });
    assert.equal(store.anchors.length, new Set(rootCertificates.map(fingerprintOf)).size);
  });

  test('puts --ca certificates first', async () => {
    const bundle = writeTestFile(dir, 'bundle-c.pem', other.root.certPem);
    const store = await loadTrustStore({ caPaths: [pki.root.certPath], systemBundlePaths: [bundle], includeNodeRoots: false });

    assert.equal(store.anchors[0]?.source, pki.root.certPath);
    assert.equal(store.anchors[1]?.source, bundle);
  });

  test('drops duplicate anchors', async () => {
    const bundle = writeTestFile(dir, 'bundle-d.pem', pki.root.certPem + pki.root.certPem);
    const store = await loadTrustStore({ caPaths: [pki.root.certPath], systemBundlePaths: [bundle], includeNodeRoots: false });

    assert.equal(store.anchors.length, 1);
  });

  test('skips unparseable blocks in the system bundle', async () => {
    const broken = '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n';
    const bundle = writeTestFile(dir, 'bundle-e.pem', broken + pki.root.certPem);
    const store = await loadTrustStore({ systemBundlePaths: [bundle], includeNodeRoots: false });

    assert.equal(store.anchors.length, 1);
  });

  test('finds the issuer of a leaf among the anchors', async () => {
    const store = await loadTrustStore({ caPaths: [other.root.certPath, pki.root.certPath], systemBundlePaths: [], includeNodeRoots: false });
    const anchor = findTrustedIssuer(store, new X509Certificate(pki.leaf.certPem));

    assert.equal(anchor?.certificate.fingerprint256, fingerprintOf(pki.root.certPem));
  });

  test('rejects a missing --ca file', async () => {
    const path = join(dir, 'no-such-ca.pem');
    await assert.rejects(loadTrustStore({ caPaths: [path], systemBundlePaths: [] }), (error: unknown) => {
      assert.ok(error instanceof CertificateCheckError);
      assert.equal(error.problems[0]?.kind, 'file-unreadable');
      assert.equal(error.file, path);
      return true;
    });
  });

  test('rejects a --ca file without certificates', async () => {
    const path = writeTestFile(dir, 'key-as-ca.pem', pki.leaf.keyPem);
    await assert.rejects(loadTrustStore({ caPaths: [path], systemBundlePaths: [] }), (error: unknown) => {
      assert.ok(error instanceof CertificateCheckError);
      assert.equal(error.problems[0]?.kind, 'no-certificate');
      assert.match(error.message, /the --ca file contains no certificate/);
      return true;
    });
  });

  test('reports every bad --ca file at once', async () => {
    const empty = writeTestFile(dir, 'empty-ca.pem', '');
    const missing = join(dir, 'missing-ca.pem');
    await assert.rejects(loadTrustStore({ caPaths: [empty, missing], systemBundlePaths: [] }), (error: unknown) => {
      assert.ok(error instanceof CertificateCheckError);
      assert.deepEqual(error.problems.map((problem) => problem.file), [empty, missing]);
      assert.equal(error.message.split('\n').length, 2);
      return true;
    });
  });
});

describe('defaultSystemBundlePaths', () => {
  test('starts with SSL_CERT_FILE when set', () => {
    assert.deepEqual(defaultSystemBundlePaths({ SSL_CERT_FILE: '/opt/ca.pem' }), ['/opt/ca.pem', ...SYSTEM_CA_BUNDLE_PATHS]);
  });

  test('lists Debian and RHEL bundles without SSL_CERT_FILE', () => {
    const paths = defaultSystemBundlePaths({});
    assert.ok(paths.includes('/etc/ssl/certs/ca-certificates.crt'));
    assert.ok(paths.includes('/etc/pki/tls/certs/ca-bundle.crt'));
  });
});

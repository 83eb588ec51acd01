import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkCertificateFiles, formatCheckedCertificate } from '../../src/certs/index.js';
import { createSelfSignedLeaf, createTempDir, createTestPki, removeTempDir, type TestPki } from '../support/cert-factory.js';

const DOMAIN = 'summary.example.test';

let dir: string;
let pki: TestPki;

before(() => {
  dir = createTempDir();
  pki = createTestPki({ dir, domain: DOMAIN });
});
after(() => removeTempDir(dir));

describe('formatCheckedCertificate', () => {
  test('shows the issuer chain up to the anchor', async () => {
    const checked = await checkCertificateFiles({
      certPath: pki.chainPath,
      keyPath: pki.leaf.keyPath,
      domains: [DOMAIN],
      caPaths: [pki.root.certPath],
      trustStorePaths: [],
    });
    const summary = formatCheckedCertificate(checked);

    assert.match(summary, new RegExp(`issuers: {2}CN=Certfleet Test Intermediate CA 1 -> CN=Certfleet Test Root CA \\(trusted, from ${pki.root.certPath}\\)\\n`));
    assert.ok(summary.endsWith('\n'));
  });

  test('omits empty repair and warning sections', async () => {
    const checked = await checkCertificateFiles({
      certPath: pki.chainPath,
      keyPath: pki.leaf.keyPath,
      domains: [DOMAIN],
      caPaths: [pki.root.certPath],
      trustStorePaths: [],
    });
    const summary = formatCheckedCertificate(checked);

    assert.equal(summary.includes('Repairs:'), false);
    assert.equal(summary.includes('Warnings:'), false);
  });

  test('marks a self-signed leaf', async () => {
    const leaf = createSelfSignedLeaf(dir, { commonName: 'self.summary.example.test' });
    const checked = await checkCertificateFiles({
      certPath: leaf.certPath,
      keyPath: leaf.keyPath,
      domains: ['self.summary.example.test'],
      caPaths: [leaf.certPath],
      trustStorePaths: [],
    });

    assert.match(formatCheckedCertificate(checked), new RegExp(`issuers: {2}self-signed \\(trusted, from ${leaf.certPath}\\)\\n`));
  });
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { checkChain, checkExpectedCertificate, checkNameCovered, checkValidity } from '../../src/verify/certificate-checks.js';
import {
  createRootCa,
  createTempDir,
  daysFromNow,
  issueLeafCertificate,
  removeTempDir,
  type TestCertificate,
} from '../support/cert-factory.js';

let dir: string;
let root: TestCertificate;
const leaves = new Map<string, X509Certificate>();

function leaf(key: string): X509Certificate {
  const certificate = leaves.get(key);
  if (!certificate) throw new Error(`no test leaf "${key}"`);
  return certificate;
}

before(() => {
  dir = createTempDir('certfleet-verify-checks-');
  root = createRootCa(dir, { commonName: 'Verify Checks Root CA' });
  const issue = (key: string, commonName: string, dnsNames: string[], notBefore?: Date, notAfter?: Date) => {
    const issued = issueLeafCertificate(dir, root, { commonName, dnsNames, notBefore, notAfter, fileStem: key });
    leaves.set(key, new X509Certificate(issued.certPem));
  };
  issue('app', 'app.fleet.test', ['app.fleet.test', 'www.fleet.test']);
  issue('wildcard', 'wildcard.fleet.test', ['*.fleet.test']);
  issue('other', 'other.fleet.test', ['other.fleet.test']);
  issue('cn-only', 'app.fleet.test', []);
  issue('expires-soon', 'app.fleet.test', ['app.fleet.test'], daysFromNow(-1), daysFromNow(10));
  issue('expired', 'app.fleet.test', ['app.fleet.test'], daysFromNow(-20), daysFromNow(-2));
  issue('future', 'app.fleet.test', ['app.fleet.test'], daysFromNow(2), daysFromNow(90));
});

after(() => removeTempDir(dir));

const nameCases: Array<{ title: string; leaf: string; name: string; pass: boolean }> = [
  { title: 'exact name', leaf: 'app', name: 'app.fleet.test', pass: true },
  { title: 'second subjectAltName', leaf: 'app', name: 'www.fleet.test', pass: true },
  { title: 'upper-case name', leaf: 'app', name: 'APP.Fleet.TEST', pass: true },
  { title: 'trailing dot', leaf: 'app', name: 'app.fleet.test.', pass: true },
  { title: 'wildcard covers one label', leaf: 'wildcard', name: 'app.fleet.test', pass: true },
  { title: 'wildcard misses two labels', leaf: 'wildcard', name: 'a.app.fleet.test', pass: false },
  { title: 'wildcard misses the apex', leaf: 'wildcard', name: 'fleet.test', pass: false },
  { title: 'other name', leaf: 'other', name: 'app.fleet.test', pass: false },
  { title: 'common name without subjectAltName', leaf: 'cn-only', name: 'app.fleet.test', pass: true },
];

for (const { title, leaf: key, name, pass } of nameCases) {
  test(`name check: ${title}`, () => {
    const result = checkNameCovered(leaf(key), name);
    assert.equal(result.status, pass ? 'pass' : 'fail', result.detail);
  });
}

test('name check failure lists names', () => {
  const result = checkNameCovered(leaf('other'), 'app.fleet.test');
  assert.match(result.detail, /does not cover app\.fleet\.test \(it lists subjectAltName other\.fleet\.test\)/);
  assert.match(result.detail, /subjectAltName includes app\.fleet\.test/);
});

test('expected certificate by fingerprint', () => {
  assert.equal(checkExpectedCertificate(leaf('app'), leaf('app')).status, 'pass');
  assert.equal(checkExpectedCertificate(leaf('app'), undefined).status, 'skipped');

  const mismatch = checkExpectedCertificate(leaf('other'), leaf('app'));
  assert.equal(mismatch.status, 'fail');
  assert.ok(mismatch.detail.includes(leaf('other').fingerprint256), mismatch.detail);
  assert.ok(mismatch.detail.includes(`expected ${leaf('app').fingerprint256}`), mismatch.detail);
  assert.match(mismatch.detail, /CN=other\.fleet\.test/);
});

const validityCases: Array<{ title: string; leaf: string; warnDays: number; status: string; daysLeft: [number, number]; detail: RegExp }> = [
  { title: 'valid for long', leaf: 'app', warnDays: 30, status: 'pass', daysLeft: [88, 90], detail: /valid until .* UTC \(\d+ days left\)/ },
  { title: 'expires within threshold', leaf: 'expires-soon', warnDays: 30, status: 'warn', daysLeft: [9, 10], detail: /under the warning threshold of 30 days\. Renew it/ },
  { title: 'expires beyond lower threshold', leaf: 'expires-soon', warnDays: 5, status: 'pass', daysLeft: [9, 10], detail: /left/ },
  { title: 'expired', leaf: 'expired', warnDays: 30, status: 'fail', daysLeft: [-3, -2], detail: /expired on .* UTC, 2 days ago/ },
  { title: 'not yet valid', leaf: 'future', warnDays: 30, status: 'fail', daysLeft: [88, 90], detail: /not valid before/ },
];

for (const { title, leaf: key, warnDays, status, daysLeft, detail } of validityCases) {
  test(`validity check: ${title}`, () => {
    const result = checkValidity(leaf(key), new Date(), warnDays);
    assert.equal(result.status, status, result.detail);
    assert.ok(result.daysLeft >= daysLeft[0], `daysLeft ${result.daysLeft}`);
    assert.ok(result.daysLeft <= daysLeft[1], `daysLeft ${result.daysLeft}`);
    assert.match(result.detail, detail);
  });
}

test('chain check explains OpenSSL codes', () => {
  assert.equal(checkChain(true, undefined).status, 'pass');

  const missing = checkChain(false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(missing.status, 'fail');
  assert.match(missing.detail, /chain invalid \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  assert.match(missing.detail, /send the intermediate certificates/);

  const selfSigned = checkChain(false, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.match(selfSigned.detail, /self-signed and not in the trust store/);

  const unknown = checkChain(false, 'SOMETHING_NEW');
  assert.match(unknown.detail, /chain invalid \(SOMETHING_NEW\): the chain the server sent does not validate/);
});

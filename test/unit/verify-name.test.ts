import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { loadTrustStore, type TrustStore } from '../../src/certs/index.js';
import { InputError, VerificationError } from '../../src/errors.js';
import type { HostSpec } from '../../src/inventory/types.js';
import type { AddressReport, HostDiagnosis, VerifyReport } from '../../src/verify/types.js';
import { verifyName, type VerifyNameOptions } from '../../src/verify/verify-name.js';
import { createTempDir, createTestPki, issueLeafCertificate, removeTempDir, type TestPki } from '../support/cert-factory.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startHttpsServers, startRedirectServers, type TestServer } from '../support/tls-servers.js';

// Each loopback address stands for one server behind the test names.
const GOOD_A = '127.0.0.31';
const GOOD_B = '127.0.0.32';
const OTHER_CERT = '127.0.0.33';
const LEGACY_TLS = '127.0.0.34';
const NOTHING_LISTENING = '127.0.0.35';
const MISSING_INTERMEDIATE = '127.0.0.36';
const SILENT = '127.0.0.37';
const NOT_IN_DNS = '127.0.0.39';

let dir: string;
let pki: TestPki;
let otherLeaf: X509Certificate;
let expected: X509Certificate;
let trustStore: TrustStore;
let dns: TestDnsServer;
let httpsServers: TestServer[] = [];
let redirectServers: TestServer[] = [];
let silentServer: net.Server;
let port: number;

before(async () => {
  dir = createTempDir('certfleet-verify-name-');
  pki = createTestPki({ dir, domain: 'app.fleet.test', dnsNames: ['app.fleet.test', 'good.fleet.test'] });
  const other = issueLeafCertificate(dir, pki.intermediates[0]!, { commonName: 'app.fleet.test', fileStem: 'other-leaf' });
  otherLeaf = new X509Certificate(other.certPem);
  expected = new X509Certificate(pki.leaf.certPem);
  trustStore = await loadTrustStore({ caPaths: [pki.root.certPath], systemBundlePaths: [], includeNodeRoots: false });

  const intermediatePem = pki.intermediates[0]!.certPem;
  httpsServers = await startHttpsServers([
    { address: GOOD_A, key: pki.leaf.keyPem, cert: pki.chainPem },
    { address: GOOD_B, key: pki.leaf.keyPem, cert: pki.chainPem },
    { address: '::1', key: pki.leaf.keyPem, cert: pki.chainPem },
    { address: OTHER_CERT, key: other.keyPem, cert: other.certPem + intermediatePem },
    { address: LEGACY_TLS, key: pki.leaf.keyPem, cert: pki.chainPem, acceptLegacyTls: true },
    { address: MISSING_INTERMEDIATE, key: pki.leaf.keyPem, cert: pki.leaf.certPem },
  ]);
  port = httpsServers[0]!.port;

  redirectServers = await startRedirectServers([
    { address: GOOD_A, location: (path) => `https://good.fleet.test:${port}${path}` },
    { address: GOOD_B, location: (path) => `https://good.fleet.test:${port}${path}` },
    { address: '::1', location: (path) => `https://good.fleet.test:${port}${path}` },
  ]);

  // Accepts TCP connections and never responds, so every TLS handshake times out.
  silentServer = net.createServer(() => {});
  await new Promise<void>((resolve) => silentServer.listen(port, SILENT, resolve));

  dns = await startDnsServer({
    'good.fleet.test': { a: [GOOD_A, GOOD_B], aaaa: ['::1'] },
    'app.fleet.test': { a: [GOOD_A, OTHER_CERT, LEGACY_TLS, NOTHING_LISTENING, MISSING_INTERMEDIATE, SILENT] },
    'web9.fleet.test': { a: [NOT_IN_DNS] },
    'mixed.fleet.test': { a: [GOOD_A, GOOD_B, OTHER_CERT] },
    'empty.fleet.test': {},
  });
});

after(async () => {
  await Promise.all([...httpsServers, ...redirectServers].map((server) => server.stop()));
  silentServer?.close();
  await dns?.stop();
  removeTempDir(dir);
});

function options(overrides: Partial<VerifyNameOptions>): VerifyNameOptions {
  return {
    name: 'app.fleet.test',
    port,
    dnsServer: dns.serverOption,
    trustStore,
    expectedCertificate: expected,
    timeoutMs: 1000,
    ...overrides,
  };
}

function row(report: VerifyReport, address: string): AddressReport {
  const found = report.addresses.find((entry) => entry.address === address);
  assert.ok(found, `no row for ${address} in ${report.addresses.map((entry) => entry.address).join(', ')}`);
  return found;
}

function host(name: string, address: string): HostSpec {
  return { name, address, port: 22, user: 'deploy', vars: {} };
}

test('verify name: every address passes', async () => {
  const report = await verifyName(
    options({ name: 'good.fleet.test', httpRedirect: true, httpPort: redirectServers[0]!.port, expectBody: 'hello from' }),
  );

  assert.deepEqual(report.resolvedAddresses, [GOOD_A, GOOD_B, '::1']);
  assert.equal(report.addresses.length, 3);
  for (const entry of report.addresses) {
    assert.equal(entry.result, 'pass', `${entry.address}: ${entry.problems.join('; ')}`);
    assert.equal(entry.servedFingerprint, expected.fingerprint256);
    assert.deepEqual(entry.protocols, { TLSv1: 'rejected', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' });
    assert.ok((entry.daysLeft ?? 0) >= 88, `daysLeft ${entry.daysLeft}`);
    assert.ok((entry.daysLeft ?? 0) <= 90, `daysLeft ${entry.daysLeft}`);
    assert.equal(entry.checks['http-redirect']?.status, 'pass');
    assert.equal(entry.checks.https?.status, 'pass');
    assert.deepEqual(entry.problems, []);
  }
  assert.equal(report.passed, true);
  assert.equal(report.dnsServer, dns.serverOption);
});

test('verify name: failing addresses do not stop others', async () => {
  const report = await verifyName(options({}));

  assert.equal(report.passed, false);
  assert.equal(report.addresses.length, 6);
  assert.equal(row(report, GOOD_A).result, 'pass', row(report, GOOD_A).problems.join('; '));

  const other = row(report, OTHER_CERT);
  assert.equal(other.result, 'fail');
  assert.equal(other.servedFingerprint, otherLeaf.fingerprint256);
  assert.equal(other.checks['expected-certificate']?.status, 'fail');
  assert.ok(other.problems.some((problem) => problem.includes(otherLeaf.fingerprint256)), other.problems.join('; '));
  assert.equal(other.checks.chain?.status, 'pass');

  const legacy = row(report, LEGACY_TLS);
  assert.equal(legacy.result, 'fail');
  assert.equal(legacy.protocols?.TLSv1, 'accepted');
  assert.equal(legacy.protocols?.['TLSv1.1'], 'accepted');
  assert.equal(legacy.checks.protocols?.status, 'fail');
  assert.match(legacy.checks.protocols?.detail ?? '', /accepts TLS 1\.0 and TLS 1\.1, which must be rejected/);
  assert.equal(legacy.checks['expected-certificate']?.status, 'pass');

  const refused = row(report, NOTHING_LISTENING);
  assert.equal(refused.result, 'unreachable');
  assert.equal(refused.unreachable?.kind, 'refused');
  assert.match(refused.problems[0] ?? '', /connection refused \(nothing listening on port \d+\)/);
  assert.equal(refused.protocols, undefined);

  const chain = row(report, MISSING_INTERMEDIATE);
  assert.equal(chain.result, 'fail');
  assert.equal(chain.checks.chain?.status, 'fail');
  assert.match(chain.checks.chain?.detail ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  assert.equal(chain.checks['expected-certificate']?.status, 'pass');

  const silent = row(report, SILENT);
  assert.equal(silent.result, 'fail');
  assert.match(silent.checks.handshake?.detail ?? '', /timed out after 1000 ms/);
  assert.equal(silent.checks.protocols?.status, 'fail');
  assert.equal(silent.protocols?.['TLSv1.3'], 'unknown');
});

test('verify name: odd certificate fails without --expect-cert', async () => {
  const report = await verifyName(options({ name: 'mixed.fleet.test', expectedCertificate: undefined }));

  assert.equal(report.passed, false);
  assert.equal(row(report, GOOD_A).checks['same-certificate']?.status, 'pass');
  assert.equal(row(report, GOOD_B).checks['same-certificate']?.status, 'pass');
  const odd = row(report, OTHER_CERT);
  assert.equal(odd.result, 'fail');
  assert.equal(odd.checks['same-certificate']?.status, 'fail');
  assert.match(odd.problems.join('\n'), /^same-certificate: the addresses behind mixed\.fleet\.test serve 2 different certificates/m);
});

test('verify name: one certificate everywhere needs no comparison', async () => {
  const report = await verifyName(options({ name: 'good.fleet.test', expectedCertificate: undefined }));

  for (const entry of report.addresses) assert.equal(entry.checks['same-certificate'], undefined, entry.address);
});

test('verify name: name not covered', async () => {
  dns.setRecords('uncovered.fleet.test', { a: [GOOD_A] });
  const report = await verifyName(options({ name: 'uncovered.fleet.test' }));
  const entry = row(report, GOOD_A);
  assert.equal(entry.result, 'fail');
  assert.equal(entry.checks.name?.status, 'fail');
  assert.match(entry.checks.name?.detail ?? '', /does not cover uncovered\.fleet\.test/);
});

test('verify name: expiry warning threshold', async () => {
  const report = await verifyName(options({ name: 'good.fleet.test', warnDays: 100 }));
  for (const entry of report.addresses) {
    assert.equal(entry.result, 'warn', entry.problems.join('; '));
    assert.match(entry.problems[0] ?? '', /^validity: .*under the warning threshold of 100 days/);
  }
  assert.equal(report.passed, false);
});

test('verify name: inventory cross-check and diagnosis', async () => {
  const calls: string[] = [];
  const insideByHost: Record<string, HostDiagnosis> = {
    web3: { ok: true, detail: 'app serves the deployed certificate', servedFingerprint: expected.fingerprint256 },
    web5: { ok: true, detail: 'app serves the deployed certificate', servedFingerprint: expected.fingerprint256 },
    web6: { ok: false, detail: 'certfleet-app.service failed', component: 'unit' },
  };
  const diagnose = async (spec: HostSpec, name: string, probePort: number): Promise<HostDiagnosis> => {
    calls.push(`${spec.name} ${name} ${probePort}`);
    const inside = insideByHost[spec.name];
    if (!inside) throw new Error(`no fake result for ${spec.name}`);
    return inside;
  };

  const report = await verifyName(
    options({
      inventory: {
        hosts: [
          host('web1', GOOD_A),
          { ...host('web3', '10.0.0.3'), publicAddress: OTHER_CERT },
          host('web5', NOTHING_LISTENING),
          host('web6', MISSING_INTERMEDIATE),
          host('web9', 'web9.fleet.test'),
        ],
      },
    }),
    { diagnose },
  );

  assert.deepEqual(calls.sort(), [`web3 app.fleet.test ${port}`, `web5 app.fleet.test ${port}`, `web6 app.fleet.test ${port}`]);

  assert.deepEqual(row(report, GOOD_A).hosts, ['web1']);
  assert.equal(row(report, GOOD_A).diagnoses, undefined);

  const web3 = row(report, OTHER_CERT);
  assert.deepEqual(web3.hosts, ['web3']);
  assert.equal(web3.diagnoses?.[0]?.verdict, 'certificate-in-front');

  const web5 = row(report, NOTHING_LISTENING);
  assert.equal(web5.diagnoses?.[0]?.verdict, 'path-blocked');
  assert.match(web5.diagnoses?.[0]?.message ?? '', /connection refused/);

  assert.equal(row(report, MISSING_INTERMEDIATE).diagnoses?.[0]?.verdict, 'on-host');

  const unknownAddress = row(report, LEGACY_TLS);
  assert.deepEqual(unknownAddress.hosts, []);
  assert.equal(unknownAddress.checks.inventory?.status, 'fail');
  assert.match(unknownAddress.problems.join('\n'), /inventory: no inventory host has this address/);

  const missing = row(report, 'web9.fleet.test');
  assert.equal(missing.result, 'not-in-dns');
  assert.deepEqual(missing.hosts, ['web9']);
  assert.match(missing.problems[0] ?? '', /does not resolve to inventory address web9\.fleet\.test \(127\.0\.0\.39\)/);
});

test('verify name: diagnose error stays on its row', async () => {
  const report = await verifyName(options({ inventory: { hosts: [host('web5', NOTHING_LISTENING)] } }), {
    diagnose: async () => {
      throw new Error('ssh: authentication failed');
    },
  });
  const entry = row(report, NOTHING_LISTENING);
  assert.equal(entry.diagnoses?.[0]?.verdict, 'unknown');
  assert.match(entry.diagnoses?.[0]?.message ?? '', /on-host check failed: ssh: authentication failed/);
  assert.equal(row(report, GOOD_A).result, 'fail', 'web1 is not in this inventory, so its row fails the inventory check');
});

test('verify name: name without records', async () => {
  await assert.rejects(verifyName(options({ name: 'empty.fleet.test' })), (error: unknown) => {
    assert.ok(error instanceof VerificationError);
    assert.match(error.message, /empty\.fleet\.test has no A or AAAA records at 127\.0\.0\.1:\d+/);
    return true;
  });
});

const invalidOptions: Array<{ title: string; overrides: Partial<VerifyNameOptions>; message: RegExp }> = [
  { title: 'IP address as name', overrides: { name: '127.0.0.31' }, message: /invalid name "127\.0\.0\.31": expected a DNS name/ },
  { title: 'URL as name', overrides: { name: 'https://app.fleet.test/' }, message: /invalid name/ },
  { title: 'port zero', overrides: { port: 0 }, message: /invalid port 0: expected a whole number from 1 to 65535/ },
  { title: 'negative warning days', overrides: { warnDays: -1 }, message: /invalid warning threshold -1/ },
  { title: 'relative path', overrides: { path: 'health' }, message: /invalid path "health"/ },
  { title: 'DNS server name', overrides: { dnsServer: 'ns.fleet.test' }, message: /invalid DNS server "ns\.fleet\.test"/ },
];

for (const { title, overrides, message } of invalidOptions) {
  test(`verify name rejects ${title}`, async () => {
    await assert.rejects(verifyName(options(overrides)), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.match(error.message, message);
      return true;
    });
  });
}

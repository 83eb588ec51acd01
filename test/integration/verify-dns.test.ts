import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPlaybookPath } from '../../src/playbook/load.js';
import { createTestPki, issueLeafCertificate, writeTestFile, type TestPki } from '../support/cert-factory.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startFleet, type TestFleet } from '../support/test-hosts.js';

const DOMAIN = 'app.fleet.test';
const LEGACY_DOMAIN = 'legacy.fleet.test';
const ADDRESSES = ['127.0.0.41', '127.0.0.42', '127.0.0.43'];
/** In DNS for one test, but no host runs there: connections are refused. */
const NOBODY = '127.0.0.44';
const LEGACY_ADDRESS = '127.0.0.45';

interface AddressRow {
  address: string;
  hosts: string[];
  result: string;
  servedFingerprint?: string;
  protocols?: Record<string, string>;
  problems: string[];
  unreachable?: { kind: string };
  diagnoses?: { host: string; verdict: string; inside?: { ok: boolean } }[];
}

interface VerifyJson {
  passed: boolean;
  addresses: AddressRow[];
}

function parseVerify(result: CliResult): VerifyJson {
  try {
    return JSON.parse(result.stdout) as VerifyJson;
  } catch {
    throw new Error(`verify printed no JSON (exit ${result.code}).\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

function row(report: VerifyJson, address: string): AddressRow {
  const found = report.addresses.find((entry) => entry.address === address);
  assert.ok(found, `no row for ${address} in ${JSON.stringify(report.addresses.map((entry) => entry.address))}`);
  return found;
}

describe('verify every server behind a DNS name', { timeout: 15 * 60 * 1000 }, () => {
  let fleet: TestFleet;
  let legacy: TestFleet;
  let dns: TestDnsServer;
  let pki: TestPki;
  let inventory: string;
  let playbook: string;

  const verifyArgs = (name = DOMAIN, extra: string[] = []) => [
    'verify', name,
    '--dns-server', dns.serverOption,
    '--ca', pki.root.certPath,
    '--timeout', '3',
    '--json',
    ...extra,
  ];

  before(async () => {
    [fleet, legacy] = await Promise.all([
      startFleet({ image: 'debian-ufw', addresses: ADDRESSES, names: ['web1', 'web2', 'web3'] }),
      startFleet({ image: 'debian-tls10', addresses: [LEGACY_ADDRESS], names: ['legacy'] }),
    ]);
    pki = createTestPki({ dir: fleet.dir, domain: DOMAIN });
    inventory = await fleet.writeInventory('deploy');
    dns = await startDnsServer({ [DOMAIN]: { a: ADDRESSES }, [LEGACY_DOMAIN]: { a: [LEGACY_ADDRESS] } });

    // The built-in playbook with the HTTP listener on port 80 that redirects to HTTPS.
    const builtIn = await readFile(defaultPlaybookPath(), 'utf8');
    playbook = join(fleet.dir, 'flask-tls-redirect.yaml');
    await writeFile(playbook, builtIn.replace('http_redirect: false', 'http_redirect: true').replace(/app: builtin/, `app: {path: ${JSON.stringify(join(process.cwd(), 'assets/sample-app'))}, callable: "app:app"}`));
  });

  after(async () => {
    await dns?.stop();
    await Promise.all([fleet?.stop(), legacy?.stop()]);
  });

  test('deploy with --verify-dns passes on all three', async () => {
    const result = await runCli([
      'deploy', playbook, '--inventory', inventory, '--known-hosts', fleet.knownHostsFile,
      '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath,
      '--verify-dns', '--dns-server', dns.serverOption, '--json',
    ]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as { ok: boolean; verifyDns: VerifyJson };
    assert.equal(report.verifyDns.passed, true);
    assert.deepEqual(report.verifyDns.addresses.map((entry) => [entry.address, entry.result]), ADDRESSES.map((address) => [address, 'pass']));
  });

  test('verify passes with redirect and inventory', async () => {
    const result = await runCli(verifyArgs(DOMAIN, ['--expect-cert', pki.leaf.certPath, '--http-redirect', '--inventory', inventory, '--known-hosts', fleet.knownHostsFile]));
    const report = parseVerify(result);
    assert.equal(result.code, 0, result.stdout);
    for (const address of ADDRESSES) {
      const entry = row(report, address);
      assert.equal(entry.result, 'pass', entry.problems.join('; '));
      assert.deepEqual(entry.protocols, { TLSv1: 'rejected', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' });
    }
  });

  test('host with another certificate is named', async () => {
    const other = issueLeafCertificate(fleet.dir, pki.intermediates[0]!, { commonName: DOMAIN, fileStem: 'other-leaf' });
    const otherChain = writeTestFile(fleet.dir, 'other-chain.pem', other.certPem + pki.intermediates[0]!.certPem);
    const otherFingerprint = new X509Certificate(other.certPem).fingerprint256;
    const web2Only = await fleet.writeInventory('deploy', [fleet.hosts[1]!]);
    const deployed = await runCli(['deploy', playbook, '--inventory', web2Only, '--known-hosts', fleet.knownHostsFile, '--cert', otherChain, '--key', other.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--json']);
    assert.equal(deployed.code, 0, deployed.stderr);

    const result = await runCli(verifyArgs(DOMAIN, ['--expect-cert', pki.leaf.certPath]));
    const report = parseVerify(result);
    assert.equal(result.code, 1);
    const failing = report.addresses.filter((entry) => entry.result !== 'pass');
    assert.deepEqual(failing.map((entry) => entry.address), ['127.0.0.42']);
    assert.equal(failing[0]!.servedFingerprint, otherFingerprint);
    assert.match(failing[0]!.problems.join('\n'), /expected-certificate/);
    assert.match(failing[0]!.problems.join('\n'), new RegExp(otherFingerprint.slice(0, 20)));

    // Without --expect-cert, the address that differs from the other two still fails.
    const compared = parseVerify(await runCli(verifyArgs(DOMAIN)));
    assert.equal(compared.passed, false);
    assert.deepEqual(compared.addresses.filter((entry) => entry.result !== 'pass').map((entry) => entry.address), ['127.0.0.42']);
    assert.match(row(compared, '127.0.0.42').problems.join('\n'), /^same-certificate: /m);
  });

  test('blocked port is blocked, on-host check passes', async () => {
    await fleet.hosts[2]!.run('ufw delete allow 443/tcp');
    const result = await runCli(verifyArgs(DOMAIN, ['--expect-cert', pki.leaf.certPath, '--inventory', inventory, '--known-hosts', fleet.knownHostsFile]));
    const report = parseVerify(result);
    assert.equal(result.code, 1);
    const blocked = row(report, '127.0.0.43');
    assert.equal(blocked.result, 'unreachable');
    assert.equal(blocked.unreachable?.kind, 'timed-out');
    assert.deepEqual(blocked.hosts, ['web3']);
    assert.equal(blocked.diagnoses?.[0]?.verdict, 'path-blocked', JSON.stringify(blocked.diagnoses));
    assert.equal(blocked.diagnoses?.[0]?.inside?.ok, true);
    assert.equal(row(report, '127.0.0.41').result, 'pass');
  });

  test('dead fourth address is unreachable, others checked', async () => {
    dns.setRecords(DOMAIN, { a: [...ADDRESSES, NOBODY] });
    const result = await runCli(verifyArgs(DOMAIN, ['--expect-cert', pki.leaf.certPath, '--inventory', inventory, '--known-hosts', fleet.knownHostsFile]));
    const report = parseVerify(result);
    assert.equal(result.code, 1);
    const dead = row(report, NOBODY);
    assert.equal(dead.result, 'unreachable');
    assert.equal(dead.unreachable?.kind, 'refused');
    assert.match(dead.problems.join('\n'), /inventory/, 'an address no inventory host has is reported');
    assert.equal(row(report, '127.0.0.41').result, 'pass');
    assert.equal(row(report, '127.0.0.42').result, 'fail');
    assert.equal(row(report, '127.0.0.43').result, 'unreachable');
  });

  test('host accepting TLS 1.0 is flagged', async () => {
    const leaf = issueLeafCertificate(legacy.dir, pki.intermediates[0]!, { commonName: LEGACY_DOMAIN });
    const host = legacy.hosts[0]!;
    await host.container.copyContentToContainer([
      { content: leaf.certPem + pki.intermediates[0]!.certPem, target: '/root/legacy.pem' },
      { content: leaf.keyPem, target: '/root/legacy.key' },
    ]);
    // A Python TLS server that sets no minimum version itself: on this host the system
    // OpenSSL configuration allows TLS 1.0, so the server accepts it.
    const server = [
      'import http.server, ssl',
      'context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)',
      'context.load_cert_chain("/root/legacy.pem", "/root/legacy.key")',
      'httpd = http.server.HTTPServer(("0.0.0.0", 443), http.server.SimpleHTTPRequestHandler)',
      'httpd.socket = context.wrap_socket(httpd.socket, server_side=True)',
      'httpd.serve_forever()',
    ].join('\n');
    await host.container.copyContentToContainer([{ content: server, target: '/root/legacy_server.py' }]);
    await host.run('systemd-run --unit legacy-tls --working-directory=/root python3 /root/legacy_server.py');
    await host.run('for i in $(seq 1 50); do ss -ltn | grep -q ":443 " && exit 0; sleep 0.1; done; exit 1');

    const result = await runCli(verifyArgs(LEGACY_DOMAIN));
    const report = parseVerify(result);
    assert.equal(result.code, 1);
    const entry = row(report, LEGACY_ADDRESS);
    assert.equal(entry.result, 'fail');
    assert.equal(entry.protocols?.TLSv1, 'accepted');
    assert.match(entry.problems.join('\n'), /^protocols: /m);
  });
});

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { createTestPki, issueLeafCertificate, writeTestFile, type TestPki } from '../support/cert-factory.js';
import { parseReport, runCli } from '../support/cli.js';
import { startFleet, type TestFleet } from '../support/test-hosts.js';
import { handshake, handshakeWhenUp } from '../support/tls-client.js';

const DOMAIN = 'app.fleet.test';
const UNIT = 'certfleet-app.service';

describe('deploy to Debian hosts with ufw active', { timeout: 15 * 60 * 1000 }, () => {
  let fleet: TestFleet;
  let pki: TestPki;
  let inventory: string;
  let leafFingerprint: string;

  const deployArgs = (extra: string[] = []) => [
    'deploy',
    '--inventory', inventory,
    '--known-hosts', fleet.knownHostsFile,
    '--cert', pki.chainPath,
    '--key', pki.leaf.keyPath,
    '--domain', DOMAIN,
    '--ca', pki.root.certPath,
    '--json',
    ...extra,
  ];

  before(async () => {
    // host1 and host2 are deployed to; host3 stays fresh for the --check test.
    fleet = await startFleet({ image: 'debian-ufw', addresses: ['127.0.0.21', '127.0.0.22', '127.0.0.23'] });
    pki = createTestPki({ dir: fleet.dir, domain: DOMAIN });
    inventory = await fleet.writeInventory('deploy', fleet.hosts.slice(0, 2));
    leafFingerprint = new X509Certificate(pki.leaf.certPem).fingerprint256;
  });

  after(async () => {
    await fleet?.stop();
  });

  test('port 443 is filtered before the deploy', async () => {
    for (const host of fleet.hosts.slice(0, 2)) {
      const result = await handshake(host.address, 443, DOMAIN, undefined, 3000);
      assert.equal(result.ok, false, `${host.name} answered on 443 before any deploy`);
      assert.equal(result.error, 'ETIMEDOUT', `${host.name}: ufw should drop 443, got ${result.error}`);
    }
  });

  test('first deploy succeeds on both hosts', async () => {
    const result = await runCli(deployArgs());
    const report = parseReport(result);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report.hosts.map((host) => [host.name, host.status]), [['host1', 'ok'], ['host2', 'ok']]);
    for (const host of report.hosts) {
      assert.ok(host.changed >= 5, `${host.name} changed only ${host.changed} steps`);
      assert.equal(host.firewall, 'ufw');
    }
  });

  test('each host serves the uploaded certificate on 443', async () => {
    for (const host of fleet.hosts.slice(0, 2)) {
      const result = await handshake(host.address, 443, DOMAIN);
      assert.equal(result.ok, true, `${host.name}: ${result.error}`);
      assert.equal(result.fingerprint256, leafFingerprint, host.name);
    }
  });

  test('app runs as the non-root service user', async () => {
    for (const host of fleet.hosts.slice(0, 2)) {
      const pid = (await host.run(`systemctl show -p MainPID --value ${UNIT}`)).trim();
      assert.notEqual(pid, '0', `${host.name}: the unit has no main process`);
      const user = (await host.run(`ps -o user= -p ${pid}`)).trim();
      assert.equal(user, 'certfleet', `${host.name}: ps shows the app running as ${user}`);
      const passwd = (await host.run('getent passwd certfleet')).trim().split(':');
      assert.ok(Number(passwd[2]) < 1000, `${host.name}: certfleet is not a system user (uid ${passwd[2]})`);
      assert.equal(passwd[6], '/usr/sbin/nologin');
    }
  });

  test('key is 0640 root:certfleet and certificate 0644', async () => {
    for (const host of fleet.hosts.slice(0, 2)) {
      assert.equal((await host.run('stat -L -c "%U:%G %a" /ssl/cert.key')).trim(), 'root:certfleet 640', host.name);
      assert.equal((await host.run('stat -L -c "%U:%G %a" /ssl/cert.pem')).trim(), 'root:certfleet 644', host.name);
      assert.equal((await host.run('stat -c "%U:%G %a" /ssl')).trim(), 'root:certfleet 750', host.name);
      const uploaded = await host.run('cat /ssl/cert.pem');
      assert.equal(uploaded, pki.chainPem, `${host.name}: /ssl/cert.pem is not the uploaded chain`);
    }
  });

  test('ufw allows 443/tcp for IPv4 and IPv6', async () => {
    for (const host of fleet.hosts.slice(0, 2)) {
      const status = await host.run('ufw status');
      const lines = status.split('\n').filter((line) => line.startsWith('443/tcp'));
      assert.equal(lines.filter((line) => !line.includes('(v6)')).length, 1, `${host.name}:\n${status}`);
      assert.equal(lines.filter((line) => line.includes('(v6)')).length, 1, `${host.name}:\n${status}`);
    }
  });

  test('TLS 1.0 and 1.1 are refused, 1.2 and 1.3 accepted', async () => {
    // The legacy client must really be able to speak TLS 1.0, or a refusal proves nothing.
    const legacyServer = createServer({ cert: pki.leaf.certPem, key: pki.leaf.keyPem, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    await new Promise<void>((done) => legacyServer.listen(0, '127.0.0.1', done));
    try {
      const port = (legacyServer.address() as { port: number }).port;
      const control = await handshake('127.0.0.1', port, DOMAIN, 'TLSv1');
      assert.equal(control.ok, true, `the TLS 1.0 client could not reach a TLS 1.0 server: ${control.error}`);
    } finally {
      legacyServer.close();
    }

    for (const host of fleet.hosts.slice(0, 2)) {
      for (const version of ['TLSv1', 'TLSv1.1'] as const) {
        const result = await handshake(host.address, 443, DOMAIN, version);
        assert.equal(result.ok, false, `${host.name} accepted ${version}`);
      }
      for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
        const result = await handshake(host.address, 443, DOMAIN, version);
        assert.equal(result.ok, true, `${host.name} refused ${version}: ${result.error}`);
        assert.equal(result.protocol, version);
      }
    }
  });

  test('second deploy changes nothing and restarts nothing', async () => {
    const before = await Promise.all(fleet.hosts.slice(0, 2).map((host) => host.run(`systemctl show -p ActiveEnterTimestampMonotonic -p MainPID ${UNIT}`)));
    const result = await runCli(deployArgs());
    const report = parseReport(result);
    assert.equal(result.code, 0, result.stderr);
    for (const host of report.hosts) {
      assert.equal(host.status, 'ok', host.error ?? '');
      assert.equal(host.changed, 0, `${host.name} changed: ${host.steps.filter((step) => step.status === 'changed').map((step) => step.step).join(', ')}`);
    }
    const afterward = await Promise.all(fleet.hosts.slice(0, 2).map((host) => host.run(`systemctl show -p ActiveEnterTimestampMonotonic -p MainPID ${UNIT}`)));
    assert.deepEqual(afterward, before);
  });

  test('after a reboot 443 is still open and the app serves', async () => {
    const host = fleet.hosts[0]!;
    await host.reboot();
    const result = await handshakeWhenUp(host.address, 443, DOMAIN);
    assert.equal(result.ok, true, `after the reboot: ${result.error}`);
    assert.equal(result.fingerprint256, leafFingerprint);
    const status = await host.run('ufw status');
    assert.match(status, /^443\/tcp\s+ALLOW/m);
    assert.match(status, /^443\/tcp \(v6\)\s+ALLOW/m);
  });

  test('--check on a fresh host prints commands and changes nothing', async () => {
    const fresh = fleet.hosts[2]!;
    const freshInventory = await fleet.writeInventory('deploy', [fresh]);
    const facts = () => runCli(['facts', '--inventory', freshInventory, '--known-hosts', fleet.knownHostsFile, '--json']);
    // What a deploy would change: firewall rules, /ssl, the app folder, the unit, the user, the staging folder.
    const snapshot = () => fresh.run('ufw status; ls -ld /ssl /opt/certfleet /home/deploy/.cache 2>&1; ls -la /opt /etc/systemd/system; getent passwd certfleet; true');
    const factsBefore = await facts();
    const stateBefore = await snapshot();

    const result = await runCli(['deploy', '--inventory', freshInventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--check']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\$ \[root\] ufw allow 443\/tcp/);
    assert.match(result.stdout, /useradd --system/);
    assert.match(result.stdout, /systemctl restart certfleet-app\.service/);
    assert.doesNotMatch(result.stdout, /BEGIN [A-Z ]*PRIVATE KEY/, 'the key must never be printed');

    const json = await runCli(['deploy', '--inventory', freshInventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--check', '--json']);
    const planned = parseReport(json).hosts[0]!;
    assert.equal(planned.status, 'planned');
    assert.ok(planned.steps.find((step) => step.step === 'firewall')?.plannedActions?.includes('[root] ufw allow 443/tcp'), JSON.stringify(planned.steps));

    const factsAfter = await facts();
    assert.equal(factsAfter.code, 0, factsAfter.stderr);
    assert.deepEqual(JSON.parse(factsAfter.stdout), JSON.parse(factsBefore.stdout));
    assert.equal(await snapshot(), stateBefore);
    assert.equal((await fresh.runResult('test -e /ssl')).exitCode, 1, '/ssl was created by --check');
  });

  test('facts over --host show the Debian ufw host', async () => {
    const host = fleet.hosts[1]!;
    const result = await runCli(['facts', '--host', `deploy@${host.address}`, '--identity', fleet.identityFile, '--known-hosts', fleet.knownHostsFile, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const [row] = JSON.parse(result.stdout) as { name: string; facts: { os: { family: string }; packageManager: string; systemd: boolean; sudo: string; firewall: { active: string } } }[];
    assert.equal(row!.name, host.address);
    assert.equal(row!.facts.os.family, 'debian');
    assert.equal(row!.facts.packageManager, 'apt');
    assert.equal(row!.facts.systemd, true);
    assert.equal(row!.facts.sudo, 'ok');
    assert.equal(row!.facts.firewall.active, 'ufw');
  });

  test('changed host key is rejected, other host deploys', async () => {
    const [first, second] = fleet.hosts;
    // Replace host1's ed25519 entry with host3's key: same type, different key.
    const otherKey = (await fleet.hosts[2]!.run('cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/)[1];
    const original = await readFile(fleet.knownHostsFile, 'utf8');
    const tampered = original
      .split('\n')
      .filter((line) => !(line.startsWith(`${first!.address} `) && !line.includes('ssh-ed25519')))
      .map((line) => (line.startsWith(`${first!.address} ssh-ed25519 `) ? `${first!.address} ssh-ed25519 ${otherKey}` : line))
      .join('\n');
    const knownHosts = `${fleet.dir}/known_hosts.tampered`;
    await writeFile(knownHosts, tampered);

    const result = await runCli(['deploy', '--inventory', inventory, '--known-hosts', knownHosts, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--json']);
    const report = parseReport(result);
    assert.equal(result.code, 1);
    const [rejected, deployed] = report.hosts;
    assert.equal(rejected!.name, 'host1');
    assert.equal(rejected!.status, 'failed');
    assert.match(rejected!.error ?? '', /HOST KEY CHANGED for 127\.0\.0\.21/);
    assert.match(rejected!.error ?? '', /SHA256:\S+.*SHA256:\S+/, 'both fingerprints are shown');
    assert.equal(deployed!.name, second!.name);
    assert.equal(deployed!.status, 'ok', deployed!.error ?? '');
    assert.equal(await readFile(knownHosts, 'utf8'), tampered, 'known_hosts must not be rewritten');
  });

  test('repaired CRLF chain is served in order', async () => {
    const host = fleet.hosts[0]!;
    const renewed = issueLeafCertificate(fleet.dir, pki.intermediates[0]!, { commonName: DOMAIN, fileStem: 'renewed' });
    // Intermediate first, leaf last, Windows line endings: what a CA portal download often looks like.
    const messy = (pki.intermediates[0]!.certPem + renewed.certPem).replace(/\n/g, '\r\n');
    const messyPath = writeTestFile(fleet.dir, 'renewed-messy.pem', messy);
    const hostOnly = await fleet.writeInventory('deploy', [host]);

    const result = await runCli(['deploy', '--inventory', hostOnly, '--known-hosts', fleet.knownHostsFile, '--cert', messyPath, '--key', renewed.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /certificate input repaired/);

    const expectedChain = renewed.certPem + pki.intermediates[0]!.certPem;
    assert.equal(await host.run('cat /ssl/cert.pem'), expectedChain, 'the host holds the leaf first, with LF line endings');

    const served = await peerChain(host.address, 443, DOMAIN);
    assert.deepEqual(served, [new X509Certificate(renewed.certPem).fingerprint256, new X509Certificate(pki.intermediates[0]!.certPem).fingerprint256]);
  });
});

/** Returns the fingerprints of the certificates a server sends, leaf first. */
function peerChain(address: string, port: number, servername: string): Promise<string[]> {
  return new Promise((done, fail) => {
    const socket = connect({ host: address, port, servername, rejectUnauthorized: false }, () => {
      const chain: string[] = [];
      let certificate = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (certificate && certificate.raw && !seen.has(certificate.fingerprint256)) {
        seen.add(certificate.fingerprint256);
        chain.push(certificate.fingerprint256);
        certificate = certificate.issuerCertificate;
      }
      socket.destroy();
      done(chain);
    });
    socket.once('error', fail);
  });
}

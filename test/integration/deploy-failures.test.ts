import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPlaybookPath } from '../../src/playbook/load.js';
import { createTestPki, generateStandaloneKey, type TestPki } from '../support/cert-factory.js';
import { parseReport, runCli } from '../support/cli.js';
import { generateIdentity, startFleet, type TestFleet } from '../support/test-hosts.js';

const DOMAIN = 'app.fleet.test';
/** A loopback address where no test host runs: connections are refused. */
const NOBODY = '127.0.0.29';

describe('deploy with bad input or hosts', { timeout: 10 * 60 * 1000 }, () => {
  let fleet: TestFleet;
  let pki: TestPki;
  let strangerKey: string;

  const acceptedLogins = async () => {
    const counts = await Promise.all(fleet.hosts.map((host) => host.run('journalctl -u ssh --no-pager -o cat | grep -c "Accepted publickey" || true')));
    return counts.map((count) => Number(count.trim()));
  };

  before(async () => {
    fleet = await startFleet({ image: 'debian-ufw', addresses: ['127.0.0.24', '127.0.0.25'] });
    pki = createTestPki({ dir: fleet.dir, domain: DOMAIN });
    strangerKey = await generateIdentity(fleet.dir, 'stranger_ed25519');
  });

  after(async () => {
    await fleet?.stop();
  });

  const inputCases: [string, (args: { inventory: string }) => string[], RegExp][] = [
    ['missing certificate file', ({ inventory }) => ['--inventory', inventory, '--cert', '/nonexistent/cert.pem', '--key', pki.leaf.keyPath], /\/nonexistent\/cert\.pem/],
    ['missing key file', ({ inventory }) => ['--inventory', inventory, '--cert', pki.chainPath, '--key', '/nonexistent/cert.key'], /\/nonexistent\/cert\.key/],
    ['missing inventory file', () => ['--inventory', '/nonexistent/inventory.yaml', '--cert', pki.chainPath, '--key', pki.leaf.keyPath], /\/nonexistent\/inventory\.yaml: cannot read the inventory/],
    ['unrelated key', ({ inventory }) => ['--inventory', inventory, '--cert', pki.chainPath, '--key', generateStandaloneKey(fleet.dir, 'unrelated', 'ec').keyPath], /unrelated\.key.*does not belong to/],
    ['CA key given as --key', ({ inventory }) => ['--inventory', inventory, '--cert', pki.chainPath, '--key', pki.intermediates[0]!.keyPath], /belongs to the CA certificate/],
  ];
  for (const [title, makeArgs, message] of inputCases) {
    test(`${title} stops before any host`, async () => {
      const inventory = await fleet.writeInventory('deploy');
      const before = await acceptedLogins();
      const result = await runCli(['deploy', ...makeArgs({ inventory }), '--domain', DOMAIN, '--ca', pki.root.certPath, '--known-hosts', fleet.knownHostsFile]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '', 'no report is printed when nothing ran');
      assert.deepEqual(await acceptedLogins(), before, 'a host was contacted');
    });
  }

  test('failing hosts are named, the good one deploys', async () => {
    const [good, other] = fleet.hosts;
    const inventory = join(fleet.dir, 'mixed.yaml');
    await writeFile(
      inventory,
      [
        'defaults:',
        '  user: deploy',
        `  identity: ${fleet.identityFile}`,
        'hosts:',
        `  - {name: good, address: ${good!.address}}`,
        `  - {name: no-sudo, address: ${other!.address}, user: nosudo}`,
        `  - {name: nobody-home, address: ${NOBODY}}`,
        '',
      ].join('\n'),
    );
    // known_hosts gets an entry for NOBODY too, so the only fault there is the refused connection.
    const result = await runCli([
      'deploy', '--inventory', inventory, '--known-hosts', fleet.knownHostsFile,
      '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath,
      '--connect-retries', '1', '--json',
    ]);
    const report = parseReport(result);
    assert.equal(result.code, 1);
    const byName = new Map(report.hosts.map((host) => [host.name, host]));

    assert.equal(byName.get('good')!.status, 'ok', byName.get('good')!.error ?? '');

    const noSudo = byName.get('no-sudo')!;
    assert.equal(noSudo.status, 'failed');
    assert.match(noSudo.error ?? '', /^no-sudo: user nosudo cannot run commands as root with "sudo -n" \(sudo output: sudo: a password is required\)\..*NOPASSWD/);

    const nobody = byName.get('nobody-home')!;
    assert.equal(nobody.status, 'failed');
    assert.match(nobody.error ?? '', /^nobody-home: cannot reach deploy@127\.0\.0\.29: ECONNREFUSED/);
    assert.match(result.stderr, /connecting to deploy@127\.0\.0\.29 failed, retrying/, 'the retry is logged');

    // The host behind the failures was never changed: no service user, no /ssl.
    assert.equal((await other!.runResult('getent passwd certfleet')).exitCode, 2);
    assert.equal((await other!.runResult('test -e /ssl')).exitCode, 1);
  });

  test('rejected key is named, not retried', async () => {
    const other = fleet.hosts[1]!;
    const inventory = join(fleet.dir, 'wrong-key.yaml');
    await writeFile(inventory, `defaults: {user: deploy}\nhosts:\n  - {name: wrong-key, address: ${other.address}, identity: ${strangerKey}}\n`);
    const result = await runCli(['deploy', '--inventory', inventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--json']);
    const report = parseReport(result);
    assert.equal(result.code, 1);
    const [wrongKey] = report.hosts;
    assert.equal(wrongKey!.status, 'failed');
    assert.match(wrongKey!.error ?? '', new RegExp(`^wrong-key: authentication failed for deploy@${other.address.replace(/\./g, '\\.')} with key .*stranger_ed25519.*authorized keys`));
    assert.doesNotMatch(result.stderr, /retrying/);
    assert.equal((await other.runResult('test -e /ssl')).exitCode, 1);
  });

  test('same server twice in an inventory is rejected', async () => {
    const host = fleet.hosts[0]!;
    const inventory = join(fleet.dir, 'twice.yaml');
    await writeFile(inventory, `defaults: {user: deploy, identity: ${fleet.identityFile}}\nhosts:\n  - {name: a, address: ${host.address}}\n  - {name: b, address: ${host.address}}\n`);
    const result = await runCli(['deploy', '--inventory', inventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /twice\.yaml: hosts\.1 \(host b\): 127\.0\.0\.24 port 22 is also host a; list each server once\./);
  });

  test('broken app fails wait-ready with its traceback', async () => {
    const host = fleet.hosts[0]!;
    const appDir = join(fleet.dir, 'broken-app');
    await mkdir(appDir, { recursive: true });
    await writeFile(join(appDir, 'app.py'), 'from flask import Flask\napp = Flask(__name__)\n');
    const playbook = join(fleet.dir, 'broken.yaml');
    const builtIn = await readFile(defaultPlaybookPath(), 'utf8');
    await writeFile(
      playbook,
      builtIn
        .replace('app: builtin', `app: {path: ${JSON.stringify(appDir)}, callable: "app:nope"}`)
        .replace('timeout_seconds: 30', 'timeout_seconds: 8'),
    );
    const inventory = await fleet.writeInventory('deploy', [host]);
    const result = await runCli(['deploy', playbook, '--inventory', inventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--replace-app', '--json']);
    const report = parseReport(result);
    assert.equal(result.code, 1);
    const [failed] = report.hosts;
    assert.equal(failed!.status, 'failed');
    assert.equal(failed!.steps.at(-1)!.step, 'wait-ready');
    assert.match(failed!.error ?? '', /certfleet-app did not serve TLS on port 443 within 8 s \(the unit is \w+, restarted \d+ times, last exit status \d+/);
    assert.match(failed!.error ?? '', /AttributeError: module 'app' has no attribute 'nope'/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTempDir, createTestPki, removeTempDir, type TestPki } from '../support/cert-factory.js';
import { parseReport, runCli } from '../support/cli.js';
import { startFleet, type TestFleet, type TestHost } from '../support/test-hosts.js';
import { handshake, handshakeWhenUp } from '../support/tls-client.js';

const DOMAIN = 'app.fleet.test';

/** Runtime and saved 443 rules per IP family, as each firewall keeps them. */
interface RuleCounts {
  runtime: { v4: number; v6: number };
  saved: { v4: number; v6: number };
}

interface FirewallCase {
  title: string;
  image: string;
  address: string;
  /** What a client sees on 443 before the deploy: a filtered port or, with no firewall, nothing listening. */
  before: RegExp;
  firewall: string;
  /** Counts 443 rules on the host; undefined where no firewall keeps any. */
  count?: (host: TestHost) => Promise<RuleCounts>;
  /** Extra checks after the deploys. */
  extra?: (host: TestHost) => Promise<void>;
  /** Changes the host before the first deploy. */
  prepare?: (host: TestHost) => Promise<void>;
}

const grepCount = async (host: TestHost, command: string) => Number((await host.run(`(${command}) | grep -c -- 'dport 443' || true`)).trim());

const ufwCounts = async (host: TestHost): Promise<RuleCounts> => {
  const status = await host.run('ufw status');
  const lines = status.split('\n').filter((line) => line.startsWith('443/tcp'));
  return {
    runtime: { v4: lines.filter((line) => !line.includes('(v6)')).length, v6: lines.filter((line) => line.includes('(v6)')).length },
    saved: { v4: await grepCount(host, 'cat /etc/ufw/user.rules | grep "^-A"'), v6: await grepCount(host, 'cat /etc/ufw/user6.rules | grep "^-A"') },
  };
};

/** nftables' inet tables filter both families with one rule, so each family counts that rule. */
const nftCounts = async (host: TestHost): Promise<RuleCounts> => {
  const runtime = await grepCount(host, 'nft list chain inet filter input');
  const saved = await grepCount(host, 'cat /etc/nftables.d/certfleet.nft | grep -v "^#"');
  return { runtime: { v4: runtime, v6: runtime }, saved: { v4: saved, v6: saved } };
};

const iptablesCounts = (files: { v4: string; v6: string }) => async (host: TestHost): Promise<RuleCounts> => ({
  runtime: { v4: await grepCount(host, 'iptables -S INPUT'), v6: await grepCount(host, 'ip6tables -S INPUT') },
  saved: { v4: await grepCount(host, `grep '^-A INPUT' ${files.v4}`), v6: await grepCount(host, `grep '^-A INPUT' ${files.v6}`) },
});

/** firewalld keeps one service entry for both families; it appears once per zone in each view. */
const firewalldCounts = (zone: string) => async (host: TestHost): Promise<RuleCounts> => {
  const runtime = (await host.run(`firewall-cmd --zone=${zone} --list-services`)).split(/\s+/).filter((name) => name === 'https').length;
  const saved = (await host.run(`firewall-cmd --permanent --zone=${zone} --list-services`)).split(/\s+/).filter((name) => name === 'https').length;
  return { runtime: { v4: runtime, v6: runtime }, saved: { v4: saved, v6: saved } };
};

/** Checks that the accept rule sits right before the catch-all REJECT and below the narrower blocklist DROP. */
const ruleBeforeCatchAll = (file: string) => async (host: TestHost) => {
  for (const [command, source] of [['iptables -S INPUT', file], ['cat ' + file, file]] as const) {
    const lines = (await host.run(command)).split('\n').filter((line) => line.startsWith('-A INPUT'));
    const accept = lines.findIndex((line) => line.includes('--dport 443'));
    const reject = lines.findIndex((line) => /^-A INPUT -j REJECT/.test(line));
    assert.ok(accept >= 0, `${source}: no 443 rule:\n${lines.join('\n')}`);
    assert.equal(accept, reject - 1, `${source}: 443 rule at ${accept}, catch-all at ${reject}:\n${lines.join('\n')}`);
    const blocklist = lines.findIndex((line) => line.includes('192.0.2.0/24'));
    if (blocklist >= 0) assert.ok(blocklist < accept, `${source}: the 443 rule went above the narrower DROP`);
  }
};

const FILTERED = /^(ETIMEDOUT|EHOSTUNREACH)$/;

const CASES: FirewallCase[] = [
  { title: 'Debian, ufw active', image: 'debian-ufw', address: '127.0.0.61', before: FILTERED, firewall: 'ufw', count: ufwCounts },
  {
    title: 'Debian, ufw disabled, nftables filtering',
    image: 'debian-ufw-disabled-nftables',
    address: '127.0.0.62',
    before: FILTERED,
    firewall: 'nftables',
    count: nftCounts,
    extra: async (host) => assert.match(await host.run('ufw status'), /Status: inactive/, 'ufw must stay disabled'),
  },
  { title: 'Debian, nftables only', image: 'debian-nftables', address: '127.0.0.63', before: FILTERED, firewall: 'nftables', count: nftCounts },
  {
    title: 'Debian, iptables with netfilter-persistent',
    image: 'debian-iptables',
    address: '127.0.0.64',
    before: FILTERED,
    firewall: 'iptables',
    count: iptablesCounts({ v4: '/etc/iptables/rules.v4', v6: '/etc/iptables/rules.v6' }),
    extra: ruleBeforeCatchAll('/etc/iptables/rules.v4'),
  },
  {
    // The one case that installs a package while the test runs: iptables-persistent from Debian's mirror.
    title: 'Debian, iptables without netfilter-persistent (install path)',
    image: 'debian-iptables',
    address: '127.0.0.69',
    before: FILTERED,
    firewall: 'iptables',
    prepare: async (host) => {
      await host.run('DEBIAN_FRONTEND=noninteractive apt-get purge -y -q iptables-persistent netfilter-persistent && rm -f /etc/iptables/rules.v4 /etc/iptables/rules.v6');
    },
    count: iptablesCounts({ v4: '/etc/iptables/rules.v4', v6: '/etc/iptables/rules.v6' }),
    extra: async (host) => {
      await ruleBeforeCatchAll('/etc/iptables/rules.v4')(host);
      assert.equal((await host.run('systemctl is-enabled netfilter-persistent')).trim(), 'enabled');
    },
  },
  { title: 'Debian, no firewall', image: 'debian-none', address: '127.0.0.65', before: /^ECONNREFUSED$/, firewall: 'none' },
  { title: 'RHEL stand-in, firewalld', image: 'rhel-firewalld', address: '127.0.0.66', before: FILTERED, firewall: 'firewalld', count: firewalldCounts('public') },
  {
    title: 'RHEL stand-in, firewalld, non-default zone',
    image: 'rhel-firewalld-zone',
    address: '127.0.0.67',
    before: FILTERED,
    firewall: 'firewalld',
    count: firewalldCounts('internal'),
    extra: async (host) => {
      const publicServices = (await host.run('firewall-cmd --permanent --zone=public --list-services')).split(/\s+/);
      assert.ok(!publicServices.includes('https'), 'https was added to the default zone instead of the receiving one');
    },
  },
  {
    title: 'RHEL stand-in, iptables-services',
    image: 'rhel-iptables',
    address: '127.0.0.68',
    before: FILTERED,
    firewall: 'iptables',
    count: iptablesCounts({ v4: '/etc/sysconfig/iptables', v6: '/etc/sysconfig/ip6tables' }),
    extra: ruleBeforeCatchAll('/etc/sysconfig/iptables'),
  },
];

const selected = process.env.CERTFLEET_FIREWALL_CASES?.split(',');

for (const entry of CASES.filter((item) => !selected || selected.includes(item.image))) {
  describe(`open 443 on ${entry.title}`, { timeout: 10 * 60 * 1000 }, () => {
    let fleet: TestFleet;
    let pki: TestPki;
    let pkiDir: string;
    let inventory: string;

    const deploy = async () => {
      const result = await runCli(['deploy', '--inventory', inventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--json']);
      const report = parseReport(result);
      assert.equal(result.code, 0, `${report.hosts[0]?.error ?? ''}\n${result.stderr}`);
      return report.hosts[0]!;
    };

    const assertOneRulePerFamily = async (host: TestHost) => {
      if (!entry.count) return;
      assert.deepEqual(await entry.count(host), { runtime: { v4: 1, v6: 1 }, saved: { v4: 1, v6: 1 } });
    };

    before(async () => {
      fleet = await startFleet({ image: entry.image, addresses: [entry.address] });
      await entry.prepare?.(fleet.hosts[0]!);
      pkiDir = createTempDir();
      pki = createTestPki({ dir: pkiDir, domain: DOMAIN });
      inventory = await fleet.writeInventory();
    });

    after(async () => {
      await fleet?.stop();
      if (pkiDir) removeTempDir(pkiDir);
    });

    test('443 is closed before the deploy', async () => {
      const result = await handshake(entry.address, 443, DOMAIN, undefined, 3000);
      assert.equal(result.ok, false);
      assert.match(result.error ?? '', entry.before);
    });

    test('deploy opens 443 with the right firewall', async () => {
      const host = await deploy();
      assert.equal(host.firewall, entry.firewall);
      const result = await handshake(entry.address, 443, DOMAIN);
      assert.equal(result.ok, true, result.error);
      await assertOneRulePerFamily(fleet.hosts[0]!);
      await entry.extra?.(fleet.hosts[0]!);
    });

    test('second and third deploys leave the firewall unchanged', async () => {
      for (let run = 2; run <= 3; run++) {
        const host = await deploy();
        const step = host.steps.find((item) => item.step === 'firewall')!;
        assert.equal(step.status, 'unchanged', `run ${run}: ${step.summary}`);
        assert.equal(host.changed, 0, `run ${run}`);
      }
      await assertOneRulePerFamily(fleet.hosts[0]!);
    });

    test('443 stays open after a reboot', async () => {
      const host = fleet.hosts[0]!;
      await host.reboot();
      const result = await handshakeWhenUp(entry.address, 443, DOMAIN);
      assert.equal(result.ok, true, `after the reboot: ${result.error}`);
      await assertOneRulePerFamily(host);
      await entry.extra?.(host);
    });
  });
}

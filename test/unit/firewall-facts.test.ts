import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectFirewall, iptablesFilters, parseNftRuleset, parseUfwStatus, type FirewallInputs } from '../../src/facts/firewall.js';
import { parseOsRelease } from '../../src/facts/os-release.js';

const quiet: FirewallInputs = {
  privileged: true,
  firewalldActive: false,
  ufw: { installed: false, active: false, rules: [] },
  nftTables: [],
  iptablesServiceActive: false,
  iptablesV4: '-P INPUT ACCEPT\n',
  iptablesV6: '-P INPUT ACCEPT\n',
};
const filteringNft = parseNftRuleset('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n');

describe('firewall detection order', () => {
  const cases: [string, Partial<FirewallInputs>, string][] = [
    ['nothing filters', {}, 'none'],
    ['firewalld beats active ufw', { firewalldActive: true, ufw: { installed: true, active: true, rules: [] } }, 'firewalld'],
    ['active ufw beats nftables', { ufw: { installed: true, active: true, rules: [] }, nftTables: filteringNft }, 'ufw'],
    ['inactive ufw falls through to nftables', { ufw: { installed: true, active: false, rules: [] }, nftTables: filteringNft }, 'nftables'],
    ['nftables beats iptables service', { nftTables: filteringNft, iptablesServiceActive: true }, 'nftables'],
    ['iptables service without rules', { iptablesServiceActive: true }, 'iptables'],
    ['iptables REJECT rule', { iptablesV4: '-P INPUT ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n' }, 'iptables'],
    ['ip6tables DROP policy only', { iptablesV6: '-P INPUT DROP\n' }, 'iptables'],
    ['unreadable without sudo', { privileged: false, firewalldActive: true }, 'unknown'],
  ];
  for (const [title, inputs, expected] of cases) {
    test(title, () => {
      assert.equal(detectFirewall({ ...quiet, ...inputs }).active, expected);
    });
  }

  test('inactive ufw is reported in notes', () => {
    const detection = detectFirewall({ ...quiet, ufw: { installed: true, active: false, rules: [] } });
    assert.equal(detection.active, 'none');
    assert.match(detection.notes.join(' '), /ufw is installed but inactive/);
  });
});

describe('nftables ruleset parser', () => {
  test('stock accept-all ruleset filters nothing', () => {
    const tables = parseNftRuleset('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n');
    assert.equal(tables.length, 1);
    assert.equal(tables[0]!.filtersInput, false);
    assert.deepEqual(tables[0]!.inputChains, ['input']);
  });

  test('drop rule in a jumped-to chain filters', () => {
    const tables = parseNftRuleset(
      'table inet fw {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tjump blocklist\n\t}\n\tchain blocklist {\n\t\tip saddr 192.0.2.0/24 drop\n\t}\n}\n',
    );
    assert.equal(tables[0]!.filtersInput, true);
  });

  test('iptables-nft warning marks the table', () => {
    const tables = parseNftRuleset('table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n# Warning: table ip filter is managed by iptables-nft, do not touch!\n');
    assert.equal(tables[0]!.managedByIptables, true);
  });

  test('own inet table is not iptables-managed', () => {
    assert.equal(filteringNft[0]!.managedByIptables, false);
    assert.equal(filteringNft[0]!.filtersInput, true);
  });

  test('comment mentioning drop does not filter', () => {
    const tables = parseNftRuleset('table inet t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport 80 accept comment "never drop web"\n\t}\n}\n');
    assert.equal(tables[0]!.filtersInput, false);
  });
});

describe('iptables rules', () => {
  test('ACCEPT-only INPUT does not filter', () => {
    assert.equal(iptablesFilters('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n'), false);
  });

  test('DROP reached through a user chain filters', () => {
    assert.equal(iptablesFilters('-P INPUT ACCEPT\n-N blocklist\n-A INPUT -j blocklist\n-A blocklist -s 192.0.2.1/32 -j DROP\n'), true);
  });

  test('empty output does not filter', () => {
    assert.equal(iptablesFilters(''), false);
    assert.equal(iptablesFilters(undefined), false);
  });
});

describe('ufw status parser', () => {
  test('reads rules of both families', () => {
    const status = parseUfwStatus('Status: active\n\nTo                         Action      From\n--                         ------      ----\n443/tcp                    ALLOW       Anywhere\n443/tcp (v6)               ALLOW       Anywhere (v6)\n');
    assert.equal(status.active, true);
    assert.deepEqual(status.rules.map((rule) => [rule.to, rule.v6]), [['443/tcp', false], ['443/tcp', true]]);
  });

  test('inactive status is installed but inactive', () => {
    assert.deepEqual(parseUfwStatus('Status: inactive\n'), { installed: true, active: false, rules: [] });
  });

  test('missing ufw is not installed', () => {
    assert.equal(parseUfwStatus('').installed, false);
  });
});

describe('os-release parser', () => {
  const cases: [string, string, string][] = [
    ['ID=debian', 'debian', 'debian'],
    ['ID=ubuntu\nID_LIKE=debian', 'ubuntu', 'debian'],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"', 'linuxmint', 'debian'],
    ['ID="rhel"', 'rhel', 'rhel'],
    ['ID="centos"\nID_LIKE="rhel fedora"', 'centos', 'rhel'],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"', 'rocky', 'rhel'],
    ['ID="almalinux"\nID_LIKE="rhel centos fedora"', 'almalinux', 'rhel'],
    ['ID=fedora', 'fedora', 'rhel'],
    ['ID=alpine', 'alpine', 'unknown'],
  ];
  for (const [text, id, family] of cases) {
    test(`${id} is family ${family}`, () => {
      const release = parseOsRelease(text);
      assert.equal(release.id, id);
      assert.equal(release.family, family);
    });
  }
});

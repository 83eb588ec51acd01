import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptsPort, countSavedAcceptRules, insertIntoSavedRules, insertPosition, isCatchAll, savedRulesFromRuntime } from '../../src/operations/firewall/iptables-rules.js';

const RHEL_STOCK = [
  '# sample configuration for iptables service',
  '*filter',
  ':INPUT ACCEPT [0:0]',
  ':FORWARD ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -p icmp -j ACCEPT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT',
  '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
  '-A FORWARD -j REJECT --reject-with icmp-host-prohibited',
  'COMMIT',
  '',
].join('\n');

describe('saved iptables rules', () => {
  test('rule goes before the final REJECT', () => {
    const updated = insertIntoSavedRules(RHEL_STOCK, 443).split('\n');
    const rule = updated.indexOf('-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT');
    assert.ok(rule > 0);
    assert.equal(updated[rule + 1], '-A INPUT -j REJECT --reject-with icmp-host-prohibited');
    assert.equal(updated[rule - 1], '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT');
  });

  test('insertion is idempotent', () => {
    const once = insertIntoSavedRules(RHEL_STOCK, 443);
    assert.equal(insertIntoSavedRules(once, 443), once);
    assert.equal(countSavedAcceptRules(once, 443), 1);
  });

  test('narrower DROP above the catch-all keeps its place', () => {
    const text = RHEL_STOCK.replace('-A INPUT -j REJECT', '-A INPUT -s 192.0.2.0/24 -j DROP\n-A INPUT -j REJECT');
    const lines = insertIntoSavedRules(text, 443).split('\n');
    assert.ok(lines.indexOf('-A INPUT -s 192.0.2.0/24 -j DROP') < lines.indexOf('-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT'));
  });

  test('without a catch-all the rule follows the last INPUT rule', () => {
    const text = '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A FORWARD -j DROP\nCOMMIT\n';
    assert.equal(insertIntoSavedRules(text, 443), '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\n-A FORWARD -j DROP\nCOMMIT\n');
  });

  test('other tables stay untouched', () => {
    const text = `*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j REJECT\nCOMMIT\n${RHEL_STOCK}`;
    const updated = insertIntoSavedRules(text, 443);
    assert.ok(updated.startsWith('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j REJECT\nCOMMIT\n'));
    assert.equal(countSavedAcceptRules(updated, 443), 1);
  });

  test('file without a filter table gets one', () => {
    assert.match(insertIntoSavedRules('*nat\nCOMMIT\n', 443), /\*filter\n:INPUT ACCEPT \[0:0\]\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\nCOMMIT\n$/);
  });

  test('runtime save keeps only built-in chains and targets', () => {
    const saved = savedRulesFromRuntime(
      '*filter\n:INPUT ACCEPT [12:3400]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [1:2]\n:DOCKER - [0:0]\n:f2b-sshd - [0:0]\n-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT\n-A FORWARD -j DOCKER\n-A f2b-sshd -s 198.51.100.7/32 -j REJECT\nCOMMIT\n',
    );
    assert.doesNotMatch(saved, /DOCKER|f2b/);
    assert.match(saved, /:INPUT ACCEPT \[0:0\]\n:FORWARD DROP \[0:0\]\n:OUTPUT ACCEPT \[0:0\]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT\nCOMMIT/);
  });
});

describe('iptables rule matching', () => {
  const catchAll: [string, boolean][] = [
    ['-A INPUT -j REJECT --reject-with icmp-host-prohibited', true],
    ['-A INPUT -j DROP', true],
    ['-A INPUT -s 192.0.2.0/24 -j DROP', false],
    ['-A INPUT -p tcp -j REJECT --reject-with tcp-reset', false],
    ['-A FORWARD -j REJECT', false],
  ];
  for (const [line, expected] of catchAll) {
    test(`catch-all ${expected ? 'is' : 'is not'}: ${line}`, () => assert.equal(isCatchAll(line), expected));
  }

  const accepts: [string, boolean][] = [
    ['-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT', true],
    ['-A INPUT -p tcp -m state --state NEW -m tcp --dport 443 -j ACCEPT', true],
    ['-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT', true],
    ['-A INPUT -p tcp -m tcp --dport 4433 -j ACCEPT', false],
    ['-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 443 -j ACCEPT', false],
    ['-A INPUT -p tcp -m tcp --dport 443 -j DROP', false],
  ];
  for (const [line, expected] of accepts) {
    test(`accepts 443 ${expected ? 'yes' : 'no'}: ${line}`, () => assert.equal(acceptsPort(line, 443), expected));
  }

  test('position skips narrower DROP rules', () => {
    assert.equal(insertPosition(['-P INPUT ACCEPT', '-A INPUT -i lo -j ACCEPT', '-A INPUT -s 192.0.2.0/24 -j DROP', '-A INPUT -j REJECT']), 3);
    assert.equal(insertPosition(['-P INPUT DROP', '-A INPUT -i lo -j ACCEPT']), undefined);
  });
});

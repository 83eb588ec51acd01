import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadInventory, parseInventory } from '../../src/inventory/load.js';

describe('inventory loading', () => {
  test('defaults apply and identity is relative to the file', () => {
    const inventory = parseInventory(
      'defaults:\n  user: deploy\n  identity: keys/id\n  vars: {tier: web}\nhosts:\n  - name: web1\n    address: 127.0.0.21\n  - name: web2\n    address: "2001:db8::5"\n    port: 2222\n    user: admin\n    public_address: 127.0.0.99\n    vars: {tier: edge}\n',
      '/etc/certfleet/inventory.yaml',
    );
    assert.deepEqual(inventory.hosts[0], { name: 'web1', address: '127.0.0.21', port: 22, user: 'deploy', identity: '/etc/certfleet/keys/id', publicAddress: undefined, vars: { tier: 'web' } });
    assert.equal(inventory.hosts[1]!.port, 2222);
    assert.equal(inventory.hosts[1]!.user, 'admin');
    assert.equal(inventory.hosts[1]!.publicAddress, '127.0.0.99');
    assert.deepEqual(inventory.hosts[1]!.vars, { tier: 'edge' });
  });

  const rejected: [string, string, RegExp][] = [
    ['missing user', 'hosts:\n  - name: web1\n    address: 127.0.0.21\n', /inv\.yaml: hosts\.0 \(host web1\): field "user" is missing/],
    ['bad port', 'defaults: {user: d}\nhosts:\n  - name: web1\n    address: 127.0.0.21\n    port: 0\n', /inv\.yaml: invalid inventory:\n  hosts\.0\.port: .* \(host web1\)/],
    ['unknown field', 'defaults: {user: d}\nhosts:\n  - name: web1\n    adress: 127.0.0.21\n', /hosts\.0: unknown field "adress" \(host web1\)/],
    ['address with shell characters', 'defaults: {user: d}\nhosts:\n  - name: web1\n    address: "127.0.0.1;reboot"\n', /hosts\.0\.address: must be an IP address or a host name \(host web1\)/],
    ['duplicate names', 'defaults: {user: d}\nhosts:\n  - {name: a, address: 127.0.0.1}\n  - {name: a, address: 127.0.0.2}\n', /hosts\.1: the host name "a" appears twice/],
    ['no hosts', 'hosts: []\n', /hosts: must list at least one host/],
  ];
  for (const [title, text, message] of rejected) {
    test(`${title} is rejected`, () => {
      assert.throws(() => parseInventory(text, 'inv.yaml'), message);
    });
  }

  test('missing inventory file names it', async () => {
    await assert.rejects(loadInventory('/nonexistent/inventory.yaml'), /\/nonexistent\/inventory\.yaml: cannot read the inventory: file not found \(ENOENT\)\. Check the path given with --inventory/);
  });
});

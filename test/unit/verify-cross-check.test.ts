import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostSpec } from '../../src/inventory/types.js';
import { crossCheckInventory, expectedAddressOf, type ExpectedHostAddresses } from '../../src/verify/cross-check.js';

function host(name: string, address: string, publicAddress?: string): HostSpec {
  return { name, address, port: 22, user: 'deploy', publicAddress, vars: {} };
}

function expected(spec: HostSpec, addresses?: string[]): ExpectedHostAddresses {
  const text = expectedAddressOf(spec);
  return { host: spec, expected: text, addresses: addresses ?? [text] };
}

const cases: Array<{
  title: string;
  resolved: string[];
  hosts: ExpectedHostAddresses[];
  hostsByAddress: Record<string, string[]>;
  notInInventory: string[];
  missingFromDns: string[];
}> = [
  {
    title: 'every address matches a host',
    resolved: ['127.0.0.31', '127.0.0.32'],
    hosts: [expected(host('web1', '127.0.0.31')), expected(host('web2', '127.0.0.32'))],
    hostsByAddress: { '127.0.0.31': ['web1'], '127.0.0.32': ['web2'] },
    notInInventory: [],
    missingFromDns: [],
  },
  {
    title: 'address without host is reported',
    resolved: ['127.0.0.31', '127.0.0.39'],
    hosts: [expected(host('web1', '127.0.0.31'))],
    hostsByAddress: { '127.0.0.31': ['web1'] },
    notInInventory: ['127.0.0.39'],
    missingFromDns: [],
  },
  {
    title: 'host missing from DNS is reported',
    resolved: ['127.0.0.31'],
    hosts: [expected(host('web1', '127.0.0.31')), expected(host('web2', '127.0.0.32'))],
    hostsByAddress: { '127.0.0.31': ['web1'] },
    notInInventory: [],
    missingFromDns: ['web2'],
  },
  {
    title: 'publicAddress wins over address',
    resolved: ['127.0.0.41'],
    hosts: [expected(host('web1', '10.0.0.5', '127.0.0.41'))],
    hostsByAddress: { '127.0.0.41': ['web1'] },
    notInInventory: [],
    missingFromDns: [],
  },
  {
    title: 'address ignored when publicAddress set',
    resolved: ['127.0.0.31'],
    hosts: [expected(host('web1', '127.0.0.31', '127.0.0.41'))],
    hostsByAddress: {},
    notInInventory: ['127.0.0.31'],
    missingFromDns: ['web1'],
  },
  {
    title: 'hosts sharing one NAT address',
    resolved: ['127.0.0.41'],
    hosts: [expected(host('web1', '10.0.0.5', '127.0.0.41')), expected(host('web2', '10.0.0.6', '127.0.0.41'))],
    hostsByAddress: { '127.0.0.41': ['web1', 'web2'] },
    notInInventory: [],
    missingFromDns: [],
  },
  {
    title: 'host name resolving to a DNS address',
    resolved: ['::1'],
    hosts: [expected(host('web6', 'web6.fleet.test'), ['::1'])],
    hostsByAddress: { '::1': ['web6'] },
    notInInventory: [],
    missingFromDns: [],
  },
];

for (const testCase of cases) {
  test(`inventory cross-check: ${testCase.title}`, () => {
    const result = crossCheckInventory('app.fleet.test', testCase.resolved, testCase.hosts);

    const byAddress = Object.fromEntries([...result.hostsByAddress].map(([address, hosts]) => [address, hosts.map((h) => h.name)]));
    assert.deepEqual(byAddress, testCase.hostsByAddress);
    assert.deepEqual(result.notInInventory, testCase.notInInventory);
    assert.deepEqual(
      result.missingFromDns.map((missing) => missing.host.name),
      testCase.missingFromDns,
    );
  });
}

test('missing host problem names field and fix', () => {
  const withPublic = crossCheckInventory('app.fleet.test', ['127.0.0.31'], [expected(host('web1', '10.0.0.5', '127.0.0.41'))]);
  const problem = withPublic.missingFromDns[0]?.problem ?? '';
  assert.match(problem, /app\.fleet\.test does not resolve to inventory public_address 127\.0\.0\.41/);
  assert.match(problem, /Add the record/);

  const unresolved = crossCheckInventory('app.fleet.test', ['127.0.0.31'], [
    { host: host('web9', 'web9.fleet.test'), expected: 'web9.fleet.test', addresses: [], resolveError: 'timed out' },
  ]);
  assert.match(unresolved.missingFromDns[0]?.problem ?? '', /address web9\.fleet\.test did not resolve \(timed out\)/);
});

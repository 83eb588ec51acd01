import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, VerificationError } from '../../src/errors.js';
import { createNameResolver, parseDnsServer } from '../../src/verify/resolve.js';
import { startDnsServer } from '../support/dns-server.js';

const validServers: Array<{ text: string; address: string; port: number; server: string }> = [
  { text: '127.0.0.1', address: '127.0.0.1', port: 53, server: '127.0.0.1:53' },
  { text: '127.0.0.1:5353', address: '127.0.0.1', port: 5353, server: '127.0.0.1:5353' },
  { text: '::1', address: '::1', port: 53, server: '[::1]:53' },
  { text: '[::1]', address: '::1', port: 53, server: '[::1]:53' },
  { text: '[::1]:5353', address: '::1', port: 5353, server: '[::1]:5353' },
  { text: '[0:0:0:0:0:0:0:1]:53', address: '::1', port: 53, server: '[::1]:53' },
];

for (const { text, address, port, server } of validServers) {
  test(`parse DNS server ${text}`, () => {
    assert.deepEqual(parseDnsServer(text), { address, port, server });
  });
}

const invalidServers: Array<{ text: string; message: RegExp }> = [
  { text: 'dns.fleet.test', message: /"dns\.fleet\.test" is not an IP address/ },
  { text: 'dns.fleet.test:53', message: /"dns\.fleet\.test" is not an IP address/ },
  { text: '127.0.0.1:0', message: /port "0" is not a number from 1 to 65535/ },
  { text: '127.0.0.1:70000', message: /port "70000"/ },
  { text: '127.0.0.1:', message: /port ""/ },
  { text: '[127.0.0.1]:53', message: /only IPv6 addresses go in brackets/ },
  { text: '', message: /is not an IP address/ },
];

for (const { text, message } of invalidServers) {
  test(`parse DNS server rejects "${text}"`, () => {
    assert.throws(() => parseDnsServer(text), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, message);
      assert.match(error.message, /such as 127\.0\.0\.1:5353/);
      return true;
    });
  });
}

test('resolver returns A and AAAA records', async () => {
  const dns = await startDnsServer({
    'app.fleet.test': { a: ['127.0.0.31', '127.0.0.32'], aaaa: ['::1'] },
  });
  try {
    const resolver = createNameResolver({ dnsServer: parseDnsServer(dns.serverOption), timeoutMs: 1000 });
    const resolved = await resolver.resolve('app.fleet.test');
    assert.deepEqual(resolved.a.sort(), ['127.0.0.31', '127.0.0.32']);
    assert.deepEqual(resolved.aaaa, ['::1']);
    assert.equal(resolver.description, dns.serverOption);
  } finally {
    await dns.stop();
  }
});

test('resolver over an IPv6 DNS server', async () => {
  const dns = await startDnsServer({ 'App.Fleet.Test': { a: ['127.0.0.31'] } }, { address: '::1' });
  try {
    assert.match(dns.serverOption, /^\[::1\]:\d+$/);
    const resolver = createNameResolver({ dnsServer: parseDnsServer(dns.serverOption), timeoutMs: 1000 });
    const resolved = await resolver.resolve('app.fleet.test.');
    assert.deepEqual(resolved, { a: ['127.0.0.31'], aaaa: [] });
  } finally {
    await dns.stop();
  }
});

test('resolver returns nothing for unknown name', async () => {
  const dns = await startDnsServer({ 'app.fleet.test': { a: ['127.0.0.31'] } });
  try {
    const resolver = createNameResolver({ dnsServer: parseDnsServer(dns.serverOption), timeoutMs: 1000 });
    assert.deepEqual(await resolver.resolve('missing.fleet.test'), { a: [], aaaa: [] });
  } finally {
    await dns.stop();
  }
});

test('resolver reports silent DNS server', async () => {
  // Port of a server that was stopped, so nothing responds there.
  const dns = await startDnsServer({});
  const server = dns.serverOption;
  await dns.stop();

  const resolver = createNameResolver({ dnsServer: parseDnsServer(server), timeoutMs: 200 });
  await assert.rejects(resolver.resolve('app.fleet.test'), (error: unknown) => {
    assert.ok(error instanceof VerificationError);
    assert.match(error.message, new RegExp(`records of app\\.fleet\\.test at ${server.replace(/[.[\]]/g, '\\$&')} failed`));
    assert.match(error.message, /Check that the DNS server is reachable/);
    return true;
  });
});

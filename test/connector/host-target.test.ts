import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.js';
import { formatAddress, parseHostTarget, type HostTarget } from '../../src/ssh/host-address.js';

// Parsing only: nothing here opens a connection, so documentation addresses are safe to use.
const validTargets: Array<{ text: string; expected: HostTarget; display: string }> = [
  { text: 'deploy@10.0.0.5', expected: { user: 'deploy', address: '10.0.0.5', port: 22 }, display: '10.0.0.5' },
  { text: 'deploy@10.0.0.5:2222', expected: { user: 'deploy', address: '10.0.0.5', port: 2222 }, display: '10.0.0.5:2222' },
  { text: 'deploy@[2001:db8::5]:2222', expected: { user: 'deploy', address: '2001:db8::5', port: 2222 }, display: '[2001:db8::5]:2222' },
  { text: 'deploy@[2001:db8::5]', expected: { user: 'deploy', address: '2001:db8::5', port: 22 }, display: '[2001:db8::5]:22' },
  { text: 'deploy@host.example:2200', expected: { user: 'deploy', address: 'host.example', port: 2200 }, display: 'host.example:2200' },
  { text: 'deploy@web-1', expected: { user: 'deploy', address: 'web-1', port: 22 }, display: 'web-1' },
  { text: 'svc_deploy.2@host.example', expected: { user: 'svc_deploy.2', address: 'host.example', port: 22 }, display: 'host.example' },
  { text: 'root@127.0.0.1:65535', expected: { user: 'root', address: '127.0.0.1', port: 65535 }, display: '127.0.0.1:65535' },
];

describe('parseHostTarget accepts', () => {
  for (const { text, expected, display } of validTargets) {
    test(`target ${text}`, () => {
      const target = parseHostTarget(text);

      assert.deepEqual(target, expected);
      assert.equal(formatAddress(target.address, target.port), display);
    });
  }
});

const invalidTargets: Array<{ text: string; reason: RegExp }> = [
  { text: '10.0.0.5', reason: /the login user is missing/ },
  { text: '@10.0.0.5', reason: /the login user is missing/ },
  { text: 'deploy@2001:db8::5', reason: /an IPv6 address must be in brackets/ },
  { text: 'deploy@2001:db8::5:2222', reason: /an IPv6 address must be in brackets/ },
  { text: 'deploy@[2001:db8::5', reason: /"\[" has no closing "\]"/ },
  { text: 'deploy@[2001:db8::5]2222', reason: /unexpected text after "\]"/ },
  { text: 'deploy@[10.0.0.5]:22', reason: /10\.0\.0\.5 in brackets is not an IPv6 address/ },
  { text: 'deploy@10.0.0.5:0', reason: /invalid port "0"/ },
  { text: 'deploy@10.0.0.5:70000', reason: /invalid port "70000"/ },
  { text: 'deploy@10.0.0.5:', reason: /invalid port ""/ },
  { text: 'deploy@10.0.0.5:22x', reason: /invalid port "22x"/ },
  { text: 'deploy@10.0.0.5:-1', reason: /invalid port "-1"/ },
  { text: 'a b@x', reason: /"a b" is not a valid user name/ },
  { text: '$(id)@host.example', reason: /"\$\(id\)" is not a valid user name/ },
  { text: '-oProxyCommand=sh@host.example', reason: /is not a valid user name/ },
  { text: 'deploy@other@host.example', reason: /"deploy@other" is not a valid user name/ },
  { text: 'deploy@;rm', reason: /";rm" is neither an IP address nor a host name/ },
  { text: 'deploy@-oProxyCommand=sh', reason: /is neither an IP address nor a host name/ },
  { text: 'deploy@', reason: /"" is neither an IP address nor a host name/ },
  { text: 'deploy@host..example', reason: /is neither an IP address nor a host name/ },
];

describe('parseHostTarget rejects', () => {
  for (const { text, reason } of invalidTargets) {
    test(`target ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseHostTarget(text),
        (error: unknown) => {
          assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
          assert.ok(error.message.includes(text), `the message does not name ${JSON.stringify(text)}: ${error.message}`);
          assert.match(error.message, reason);
          return true;
        },
      );
    });
  }

  test('message names the option', () => {
    assert.throws(() => parseHostTarget('10.0.0.5', '--jump-host'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^invalid --jump-host value "10\.0\.0\.5"/);
      assert.match(error.message, /Use --jump-host user@address\[:port\]/);
      return true;
    });
  });
});

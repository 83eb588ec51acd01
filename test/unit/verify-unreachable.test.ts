import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyConnectError } from '../../src/verify/unreachable.js';
import type { UnreachableKind } from '../../src/verify/types.js';

const cases: Array<{ code: string; kind: UnreachableKind; message: RegExp }> = [
  { code: 'ETIMEDOUT', kind: 'timed-out', message: /timed out after 2000 ms \(filtered/ },
  { code: 'ECONNREFUSED', kind: 'refused', message: /connection refused \(nothing listening on port 443\)/ },
  { code: 'EHOSTUNREACH', kind: 'no-route', message: /no route to host/ },
  { code: 'ENETUNREACH', kind: 'network-unreachable', message: /network unreachable/ },
  { code: 'EPERM', kind: 'other', message: /connect failed: operation not permitted/ },
];

for (const { code, kind, message } of cases) {
  test(`connect error ${code} is ${kind}`, () => {
    const error = Object.assign(new Error('operation not permitted'), { code });
    const unreachable = classifyConnectError(error, 443, 2000);
    assert.equal(unreachable.kind, kind);
    assert.equal(unreachable.code, code);
    assert.match(unreachable.message, message);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocolOutcome } from '../../src/verify/protocol-probe.js';
import { evaluateProtocolPolicy, formatTlsVersion } from '../../src/verify/protocol-policy.js';
import type { ProtocolOutcomes } from '../../src/verify/types.js';

const cases: Array<{ title: string; outcomes: ProtocolOutcomes; status: 'pass' | 'fail'; detailIncludes: string[] }> = [
  {
    title: 'only TLS 1.2 and 1.3 accepted passes',
    outcomes: { TLSv1: 'rejected', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' },
    status: 'pass',
    detailIncludes: ['accepts TLS 1.2 and TLS 1.3', 'rejects TLS 1.0 and TLS 1.1'],
  },
  {
    title: 'TLS 1.0 accepted fails',
    outcomes: { TLSv1: 'accepted', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' },
    status: 'fail',
    detailIncludes: ['accepts TLS 1.0, which must be rejected', 'minimum TLS version to 1.2'],
  },
  {
    title: 'TLS 1.0 and 1.1 accepted fails',
    outcomes: { TLSv1: 'accepted', 'TLSv1.1': 'accepted', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' },
    status: 'fail',
    detailIncludes: ['accepts TLS 1.0 and TLS 1.1'],
  },
  {
    title: 'TLS 1.3 rejected fails',
    outcomes: { TLSv1: 'rejected', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'rejected' },
    status: 'fail',
    detailIncludes: ['rejects TLS 1.3, which must be accepted'],
  },
  {
    title: 'unknown outcome fails as unproven',
    outcomes: { TLSv1: 'unknown', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' },
    status: 'fail',
    detailIncludes: ['no answer when offering TLS 1.0', 'unproven'],
  },
];

for (const { title, outcomes, status, detailIncludes } of cases) {
  test(`protocol policy: ${title}`, () => {
    const result = evaluateProtocolPolicy(outcomes);
    assert.equal(result.status, status, result.detail);
    for (const text of detailIncludes) assert.ok(result.detail.includes(text), `"${result.detail}" lacks "${text}"`);
  });
}

test('protocol outcome of each probe result', () => {
  const table = [
    { result: { kind: 'handshake-failed', reason: 'alert', code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', timedOut: false }, expected: 'rejected' },
    { result: { kind: 'handshake-failed', reason: 'timed out', timedOut: true }, expected: 'unknown' },
    { result: { kind: 'handshake-failed', reason: 'local', code: 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', timedOut: false }, expected: 'unknown' },
    { result: { kind: 'unreachable', unreachable: { kind: 'refused', message: 'refused' } }, expected: 'unknown' },
  ] as const;
  for (const { result, expected } of table) {
    assert.equal(protocolOutcome('TLSv1', result), expected, JSON.stringify(result));
  }
});

test('TLS version names for people', () => {
  assert.equal(formatTlsVersion('TLSv1'), 'TLS 1.0');
  assert.equal(formatTlsVersion('TLSv1.1'), 'TLS 1.1');
  assert.equal(formatTlsVersion('TLSv1.3'), 'TLS 1.3');
});

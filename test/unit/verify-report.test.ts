import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProtocols, renderVerifyJson, renderVerifyTable, wrapText } from '../../src/report/verify-report.js';
import type { VerifyReport } from '../../src/verify/types.js';

const FINGERPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

const report: VerifyReport = {
  name: 'app.fleet.test',
  port: 443,
  dnsServer: '127.0.0.1:5353',
  checkedAt: '2026-01-01T00:00:00.000Z',
  warnDays: 30,
  expectedFingerprint: FINGERPRINT,
  resolvedAddresses: ['127.0.0.31', '127.0.0.35'],
  addresses: [
    {
      address: '127.0.0.31',
      hosts: ['web1'],
      result: 'pass',
      servedFingerprint: FINGERPRINT,
      validTo: '2026-03-01T00:00:00.000Z',
      daysLeft: 59,
      protocols: { TLSv1: 'rejected', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' },
      problems: [],
      checks: { connect: { status: 'pass', detail: 'TCP connection opened' } },
    },
    {
      address: '127.0.0.35',
      hosts: ['web5'],
      result: 'unreachable',
      problems: ['connect: connection refused (nothing listening on port 443)'],
      checks: { connect: { status: 'fail', detail: 'connection refused (nothing listening on port 443)' } },
      unreachable: { kind: 'refused', code: 'ECONNREFUSED', message: 'connection refused (nothing listening on port 443)' },
      diagnoses: [{ host: 'web5', verdict: 'path-blocked', message: 'the app works on the host, but port 443 is unreachable from here' }],
    },
  ],
  passed: false,
};

test('table has one row per address', () => {
  const table = renderVerifyTable(report);
  const lines = table.split('\n');

  const passRow = lines.find((line) => line.includes('127.0.0.31'));
  assert.ok(passRow, table);
  assert.match(passRow, /web1/);
  assert.match(passRow, /pass/);
  assert.match(passRow, /AB:CD:EF:01:23:45:67:89…/);
  assert.match(passRow, /59/);
  assert.match(passRow, /1\.2 1\.3/);

  const failRow = lines.find((line) => line.includes('127.0.0.35'));
  assert.ok(failRow, table);
  assert.match(failRow, /unreachable/);
  assert.match(failRow, /connect: connection refused/);
  assert.match(table, /diagnosis \(web5\): the app works on the host/);
});

test('table header and summary', () => {
  const table = renderVerifyTable(report);
  assert.match(table, /^app\.fleet\.test port 443: 2 address\(es\) from 127\.0\.0\.1:5353/);
  assert.match(table, /app\.fleet\.test: NOT every address passed \(1 pass, 1 unreachable\)\n$/);
  assert.match(renderVerifyTable({ ...report, passed: true, addresses: report.addresses.slice(0, 1) }), /every address passed \(1 pass\)/);
});

test('JSON keeps every field', () => {
  assert.deepEqual(JSON.parse(renderVerifyJson(report)), report);
});

test('protocols column lists accepted versions', () => {
  assert.equal(formatProtocols(undefined), '-');
  assert.equal(formatProtocols({ TLSv1: 'accepted', 'TLSv1.1': 'rejected', 'TLSv1.2': 'accepted', 'TLSv1.3': 'accepted' }), '1.0 1.2 1.3');
  assert.equal(formatProtocols({ TLSv1: 'unknown', 'TLSv1.1': 'unknown', 'TLSv1.2': 'unknown', 'TLSv1.3': 'unknown' }), '1.0? 1.1? 1.2? 1.3?');
  assert.equal(formatProtocols({ TLSv1: 'rejected', 'TLSv1.1': 'rejected', 'TLSv1.2': 'rejected', 'TLSv1.3': 'rejected' }), 'none');
});

test('wrap splits long words without loss', () => {
  const text = `serves SHA-256 ${FINGERPRINT}, expected something else`;
  const wrapped = wrapText(text, 40);
  for (const line of wrapped.split('\n')) assert.ok(line.length <= 40, `line too long: "${line}"`);
  assert.ok(wrapped.replace(/\n/g, '').includes(FINGERPRINT), wrapped);
  assert.equal(wrapText('short text', 40), 'short text');
});

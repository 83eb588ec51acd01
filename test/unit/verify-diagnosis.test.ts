import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnosisFailed, interpretDiagnosis, type OutsideView } from '../../src/verify/diagnosis.js';
import type { DiagnosisVerdict, HostDiagnosis } from '../../src/verify/types.js';

const SERVED = 'AA:BB:CC';
const OTHER = 'DD:EE:FF';

const refused: OutsideView = { port: 443, unreachable: { kind: 'refused', code: 'ECONNREFUSED', message: 'connection refused' } };
const timedOut: OutsideView = { port: 443, unreachable: { kind: 'timed-out', code: 'ETIMEDOUT', message: 'timed out' } };
const noRoute: OutsideView = { port: 443, unreachable: { kind: 'no-route', code: 'EHOSTUNREACH', message: 'no route' } };

const cases: Array<{ title: string; outside: OutsideView; inside: HostDiagnosis; verdict: DiagnosisVerdict; messageIncludes: string[] }> = [
  {
    title: 'inside failing blames the unit',
    outside: refused,
    inside: { ok: false, detail: 'certfleet-app.service is inactive', component: 'unit' },
    verdict: 'on-host',
    messageIncludes: ['the fault is on the host, in the systemd unit', 'certfleet-app.service is inactive'],
  },
  {
    title: 'inside failing blames the files',
    outside: { port: 443, servedFingerprint: OTHER },
    inside: { ok: false, detail: 'cert.pem does not match key.pem', component: 'certificate-files' },
    verdict: 'on-host',
    messageIncludes: ['the fault is on the host, in the certificate files', 'cert.pem does not match key.pem'],
  },
  {
    title: 'inside failing blames the app',
    outside: refused,
    inside: { ok: false, detail: 'GET / returned 500', component: 'app' },
    verdict: 'on-host',
    messageIncludes: ['the fault is on the host, in the app', 'GET / returned 500'],
  },
  {
    title: 'inside failing without component',
    outside: refused,
    inside: { ok: false, detail: 'nothing listens on 443' },
    verdict: 'on-host',
    messageIncludes: ['the fault is on the host: nothing listens on 443'],
  },
  {
    title: 'inside OK, outside timed out',
    outside: timedOut,
    inside: { ok: true, detail: 'serves the certificate', servedFingerprint: SERVED },
    verdict: 'path-blocked',
    messageIncludes: ['connection timed out', 'firewall or cloud security group drops'],
  },
  {
    title: 'inside OK, outside refused',
    outside: refused,
    inside: { ok: true, detail: 'serves the certificate', servedFingerprint: SERVED },
    verdict: 'path-blocked',
    messageIncludes: ['connection refused', 'TCP reset'],
  },
  {
    title: 'inside OK, outside no route',
    outside: noRoute,
    inside: { ok: true, detail: 'serves the certificate', servedFingerprint: SERVED },
    verdict: 'path-blocked',
    messageIncludes: ['EHOSTUNREACH', 'ICMP error'],
  },
  {
    title: 'inside OK, another certificate outside',
    outside: { port: 443, servedFingerprint: OTHER },
    inside: { ok: true, detail: 'serves the certificate', servedFingerprint: SERVED },
    verdict: 'certificate-in-front',
    messageIncludes: [`the host serves ${SERVED}`, `the address serves ${OTHER}`, 'CDN, load balancer or proxy'],
  },
  {
    title: 'inside OK, fingerprints differ only in spelling',
    outside: { port: 443, servedFingerprint: 'aabbcc' },
    inside: { ok: true, detail: 'serves the certificate', servedFingerprint: SERVED },
    verdict: 'served-by-host',
    messageIncludes: ['path is clear'],
  },
  {
    title: 'inside OK, outside handshake failed',
    outside: { port: 443 },
    inside: { ok: true, detail: 'serves the certificate', servedFingerprint: SERVED },
    verdict: 'certificate-in-front',
    messageIncludes: ['TLS handshake on port 443 fails', 'answers instead'],
  },
  {
    title: 'inside OK without fingerprint',
    outside: { port: 443, servedFingerprint: OTHER },
    inside: { ok: true, detail: 'serves the certificate' },
    verdict: 'unknown',
    messageIncludes: ['returned no fingerprint'],
  },
];

for (const { title, outside, inside, verdict, messageIncludes } of cases) {
  test(`diagnosis: ${title}`, () => {
    const diagnosis = interpretDiagnosis('web1', outside, inside);
    assert.equal(diagnosis.verdict, verdict, diagnosis.message);
    assert.equal(diagnosis.host, 'web1');
    assert.deepEqual(diagnosis.inside, inside);
    for (const text of messageIncludes) assert.ok(diagnosis.message.includes(text), `"${diagnosis.message}" lacks "${text}"`);
  });
}

test('diagnosis: on-host check error', () => {
  const diagnosis = diagnosisFailed('web1', new Error('ssh: connection refused'));
  assert.equal(diagnosis.verdict, 'unknown');
  assert.match(diagnosis.message, /on-host check failed: ssh: connection refused/);
});

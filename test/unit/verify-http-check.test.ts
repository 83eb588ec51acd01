import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHttpRedirect, checkHttps, evaluateHttpsResponse, evaluateRedirect } from '../../src/verify/http-check.js';
import { createTempDir, createTestPki, removeTempDir } from '../support/cert-factory.js';
import { startHttpsServer, type TestServer } from '../support/tls-servers.js';

const ADDRESS = '127.0.0.61';
const MEBIBYTE = 1024 * 1024;

let dir: string;
let largeBodyServer: TestServer;

before(async () => {
  dir = createTempDir('certfleet-verify-http-');
  const pki = createTestPki({ dir, domain: 'app.fleet.test' });
  // 3 MiB of padding with one marker at the start and one after the first MiB.
  const body = `start-marker${'x'.repeat(MEBIBYTE)}late-marker${'x'.repeat(2 * MEBIBYTE)}`;
  largeBodyServer = await startHttpsServer({ address: ADDRESS, key: pki.leaf.keyPem, cert: pki.chainPem, body });
});

after(async () => {
  await largeBodyServer?.stop();
  removeTempDir(dir);
});

const redirectCases: Array<{ title: string; status: number; location?: string; httpsPort?: number; pass: boolean; detail: RegExp }> = [
  { title: 'permanent redirect to name', status: 301, location: 'https://app.fleet.test/', pass: true, detail: /redirects with HTTP 301/ },
  { title: 'redirect keeps path', status: 308, location: 'https://app.fleet.test/health?x=1', pass: true, detail: /308/ },
  { title: 'upper-case name with trailing dot', status: 302, location: 'https://APP.fleet.test./', pass: true, detail: /302/ },
  { title: 'redirect with explicit port 443', status: 301, location: 'https://app.fleet.test:443/', pass: true, detail: /301/ },
  { title: 'redirect to non-default port', status: 301, location: 'https://app.fleet.test:8443/', httpsPort: 8443, pass: true, detail: /301/ },
  { title: 'missing non-default port', status: 301, location: 'https://app.fleet.test/', httpsPort: 8443, pass: false, detail: /expected https:\/\/app\.fleet\.test:8443\/\.\.\./ },
  { title: 'plain answer', status: 200, location: undefined, pass: false, detail: /returned HTTP 200, not a redirect/ },
  { title: 'redirect without location', status: 301, location: undefined, pass: false, detail: /without a Location header/ },
  { title: 'relative location', status: 301, location: '/login', pass: false, detail: /"\/login", which is not an absolute URL/ },
  { title: 'redirect to http', status: 301, location: 'http://app.fleet.test/', pass: false, detail: /expected https:\/\/app\.fleet\.test\/\.\.\./ },
  { title: 'redirect to other name', status: 301, location: 'https://www.fleet.test/', pass: false, detail: /redirects to https:\/\/www\.fleet\.test\// },
];

for (const { title, status, location, httpsPort, pass, detail } of redirectCases) {
  test(`redirect check: ${title}`, () => {
    const result = evaluateRedirect(status, location, { name: 'app.fleet.test', httpPort: 80, httpsPort: httpsPort ?? 443 });
    assert.equal(result.status, pass ? 'pass' : 'fail', result.detail);
    assert.match(result.detail, detail);
    if (!pass) assert.match(result.detail, /Configure port 80 to redirect/);
  });
}

const responseCases: Array<{ title: string; status: number; body: string; expectBody?: string; pass: boolean; detail: RegExp }> = [
  { title: '200 without body check', status: 200, body: 'x', pass: true, detail: /GET \/ returned HTTP 200$/ },
  { title: '204 is success', status: 204, body: '', pass: true, detail: /204/ },
  { title: 'expected body found', status: 200, body: 'hello fleet', expectBody: 'fleet', pass: true, detail: /with "fleet" in the body/ },
  { title: 'expected body missing', status: 200, body: 'hello', expectBody: 'fleet', pass: false, detail: /does not contain "fleet"/ },
  { title: 'server error', status: 502, body: 'bad gateway', pass: false, detail: /returned HTTP 502, expected a 2xx status/ },
  { title: 'redirect is not success', status: 302, body: '', pass: false, detail: /HTTP 302/ },
];

for (const { title, status, body, expectBody, pass, detail } of responseCases) {
  test(`HTTPS response check: ${title}`, () => {
    const result = evaluateHttpsResponse('/', status, body, expectBody);
    assert.equal(result.status, pass ? 'pass' : 'fail', result.detail);
    assert.match(result.detail, detail);
  });
}

test('HTTPS check reads the first MiB', async () => {
  const options = { address: ADDRESS, port: largeBodyServer.port, name: 'app.fleet.test', path: '/', timeoutMs: 2000 };

  const early = await checkHttps({ ...options, expectBody: 'start-marker' });
  assert.equal(early.status, 'pass', early.detail);

  const late = await checkHttps({ ...options, expectBody: 'late-marker' });
  assert.equal(late.status, 'fail', late.detail);
  assert.match(late.detail, /checked the first 1048576 bytes/);
});

test('HTTPS check on closed port', async () => {
  const result = await checkHttps({ address: '127.0.0.62', port: largeBodyServer.port, name: 'app.fleet.test', path: '/', timeoutMs: 1000 });
  assert.equal(result.status, 'fail');
  assert.match(result.detail, /GET \/ over HTTPS failed: connection refused \(nothing listening on port \d+\)/);
});

test('redirect check on closed port', async () => {
  const result = await checkHttpRedirect({
    address: '127.0.0.62',
    httpPort: largeBodyServer.port,
    httpsPort: 443,
    name: 'app.fleet.test',
    path: '/',
    timeoutMs: 1000,
  });
  assert.equal(result.status, 'fail');
  assert.match(result.detail, /over HTTP on port \d+ failed: connection refused/);
});

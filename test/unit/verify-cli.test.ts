import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { EXIT_EXPIRY_WARNING, verifyCommand } from '../../src/cli/verify.js';
import { createTempDir, createTestPki, removeTempDir, writeTestFile, type TestPki } from '../support/cert-factory.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startHttpsServers, type TestServer } from '../support/tls-servers.js';

let dir: string;
let pki: TestPki;
let dns: TestDnsServer;
let servers: TestServer[] = [];

before(async () => {
  dir = createTempDir('certfleet-verify-cli-');
  pki = createTestPki({ dir, domain: 'app.fleet.test' });
  servers = await startHttpsServers([
    { address: '127.0.0.51', key: pki.leaf.keyPem, cert: pki.chainPem },
    { address: '127.0.0.52', key: pki.leaf.keyPem, cert: pki.chainPem },
  ]);
  dns = await startDnsServer({
    'app.fleet.test': { a: ['127.0.0.51', '127.0.0.52'] },
    'broken.fleet.test': { a: ['127.0.0.51', '127.0.0.59'] },
    'empty.fleet.test': {},
  });
});

after(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await dns?.stop();
  removeTempDir(dir);
});

/** Runs `certfleet verify ARGS` in-process and returns the exit code and what it printed. */
async function runVerify(args: string[]): Promise<{ exitCode: number | undefined; output: string }> {
  let output = '';
  const command = verifyCommand({ write: (text) => (output += text) })
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const previous = process.exitCode;
  try {
    await command.parseAsync(
      ['--port', String(servers[0]!.port), '--dns-server', dns.serverOption, '--ca', pki.root.certPath, '--timeout', '1', '--log-level', 'silent', ...args],
      { from: 'user' },
    );
    const code = process.exitCode;
    return { exitCode: typeof code === 'number' ? code : undefined, output };
  } finally {
    process.exitCode = previous;
  }
}

test('verify CLI passes with exit code 0', async () => {
  const { exitCode, output } = await runVerify(['app.fleet.test', '--expect-cert', pki.chainPath, '--expect-body', 'hello from']);
  assert.equal(exitCode, 0, output);
  assert.match(output, /app\.fleet\.test: every address passed \(2 pass\)/);
});

test('verify CLI JSON output', async () => {
  const { exitCode, output } = await runVerify(['app.fleet.test', '--json']);
  assert.equal(exitCode, 0, output);
  const report = JSON.parse(output) as { passed: boolean; addresses: Array<{ address: string; result: string }> };
  assert.equal(report.passed, true);
  assert.deepEqual(report.addresses.map((row) => row.address), ['127.0.0.51', '127.0.0.52']);
});

test('verify CLI failing address exits 1', async () => {
  const { exitCode, output } = await runVerify(['broken.fleet.test', '--json']);
  assert.equal(exitCode, 1, output);
  const report = JSON.parse(output) as { addresses: Array<{ address: string; result: string }> };
  assert.deepEqual(report.addresses.map((row) => row.result), ['fail', 'unreachable']);
});

test('verify CLI expiry warning exits 3', async () => {
  const { exitCode, output } = await runVerify(['app.fleet.test', '--warn-days', '365']);
  assert.equal(exitCode, EXIT_EXPIRY_WARNING, output);
  assert.match(output, /under the warning threshold of 365 days/);
});

test('verify CLI inventory mismatch exits 1', async () => {
  const inventory = writeTestFile(
    dir,
    'inventory.yaml',
    ['defaults:', '  user: deploy', 'hosts:', '  - name: web1', '    address: 127.0.0.51', '  - name: web9', '    address: 127.0.0.59', ''].join('\n'),
  );
  const { exitCode, output } = await runVerify(['app.fleet.test', '--inventory', inventory, '--json']);
  assert.equal(exitCode, 1, output);
  const report = JSON.parse(output) as { addresses: Array<{ address: string; hosts: string[]; result: string }> };
  assert.deepEqual(
    report.addresses.map((row) => [row.address, row.hosts.join(','), row.result]),
    [
      ['127.0.0.51', 'web1', 'pass'],
      ['127.0.0.52', '', 'fail'],
      ['127.0.0.59', 'web9', 'not-in-dns'],
    ],
  );
});

test('verify CLI DNS without records exits 1', async () => {
  const { exitCode, output } = await runVerify(['empty.fleet.test', '--json']);
  assert.equal(exitCode, 1, output);
  const result = JSON.parse(output) as { passed: boolean; error: string };
  assert.equal(result.passed, false);
  assert.match(result.error, /empty\.fleet\.test has no A or AAAA records/);
});

test('verify CLI wrong expected certificate', async () => {
  const { exitCode, output } = await runVerify(['app.fleet.test', '--expect-cert', pki.root.certPath, '--json']);
  assert.equal(exitCode, 1, output);
  assert.match(output, /serves SHA-256 [0-9A-F:]+, expected [0-9A-F:]+/);
});

const invalidArguments: Array<{ title: string; args: string[]; message: RegExp }> = [
  { title: 'port out of range', args: ['app.fleet.test', '--port', '70000'], message: /Expected a port number from 1 to 65535/ },
  { title: 'negative warning days', args: ['app.fleet.test', '--warn-days', '-1'], message: /Expected a whole number of days/ },
  { title: 'zero timeout', args: ['app.fleet.test', '--timeout', '0'], message: /Expected a positive number of seconds/ },
  { title: 'missing name', args: [], message: /missing required argument 'name'/ },
];

for (const { title, args, message } of invalidArguments) {
  test(`verify CLI rejects ${title}`, async () => {
    await assert.rejects(runVerify(args), (error: unknown) => {
      assert.ok(error instanceof CommanderError, String(error));
      assert.match(error.message, message);
      return true;
    });
  });
}

test('verify CLI rejects unreadable expected certificate', async () => {
  await assert.rejects(runVerify(['app.fleet.test', '--expect-cert', `${dir}/missing.pem`]), /missing\.pem/);
});

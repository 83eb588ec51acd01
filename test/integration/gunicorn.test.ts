import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPlaybookPath } from '../../src/playbook/load.js';
import { createTestPki, type TestPki } from '../support/cert-factory.js';
import { parseReport, runCli } from '../support/cli.js';
import { startFleet, type TestFleet } from '../support/test-hosts.js';
import { handshake } from '../support/tls-client.js';

const DOMAIN = 'app.fleet.test';
const ADDRESS = '127.0.0.26';

/** GETs / over HTTPS with SNI, trusting the test CA, and returns the status and body. */
function getPage(ca: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const call = request({ host: ADDRESS, port: 443, path: '/', servername: DOMAIN, headers: { host: DOMAIN }, ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => done({ status: response.statusCode ?? 0, body }));
    });
    call.once('error', fail);
    call.end();
  });
}

describe('server gunicorn on Debian 12', { timeout: 10 * 60 * 1000 }, () => {
  let fleet: TestFleet;
  let pki: TestPki;
  let playbook: string;
  let inventory: string;

  const deploy = async () => {
    const result = await runCli(['deploy', playbook, '--inventory', inventory, '--known-hosts', fleet.knownHostsFile, '--cert', pki.chainPath, '--key', pki.leaf.keyPath, '--domain', DOMAIN, '--ca', pki.root.certPath, '--json']);
    const report = parseReport(result);
    assert.equal(result.code, 0, `${report.hosts[0]?.error ?? ''}\n${result.stderr}`);
    return report.hosts[0]!;
  };

  before(async () => {
    fleet = await startFleet({ image: 'debian-gunicorn', addresses: [ADDRESS] });
    pki = createTestPki({ dir: fleet.dir, domain: DOMAIN });
    inventory = await fleet.writeInventory();
    playbook = join(fleet.dir, 'gunicorn.yaml');
    await writeFile(playbook, (await readFile(defaultPlaybookPath(), 'utf8')).replace('server: flask', 'server: gunicorn'));
  });

  after(async () => {
    await fleet?.stop();
  });

  test('deploy serves the app through gunicorn', async () => {
    const host = await deploy();
    assert.equal(host.status, 'ok');
    const page = await getPage(pki.root.certPem);
    assert.equal(page.status, 200);
    assert.match(page.body, /Hello over TLS/);
    const processes = await fleet.hosts[0]!.run('ps -o user:32=,args= -C gunicorn -C python3');
    const lines = processes.trim().split('\n').map((line) => line.trim());
    // The gunicorn arbiter and its worker, both running as the service user.
    assert.ok(lines.length >= 2, processes);
    for (const line of lines) assert.match(line, /^certfleet\s+\/usr\/bin\/python3 \/opt\/certfleet\/current\/launcher\.py .*--server gunicorn/, processes);
    assert.doesNotMatch(processes, /^root /m, processes);
  });

  test('gunicorn serves the leaf with TLS 1.2 and 1.3 only', async () => {
    const leaf = new X509Certificate(pki.leaf.certPem).fingerprint256;
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const result = await handshake(ADDRESS, 443, DOMAIN, version);
      assert.equal(result.ok, true, `${version}: ${result.error}`);
      assert.equal(result.fingerprint256, leaf);
    }
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      const result = await handshake(ADDRESS, 443, DOMAIN, version);
      assert.equal(result.ok, false, `gunicorn accepted ${version}`);
    }
  });

  test('second deploy changes nothing', async () => {
    const host = await deploy();
    assert.equal(host.changed, 0);
  });
});

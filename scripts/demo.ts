/**
 * The built-in demo: two Debian test hosts with ufw active, a local CA and a
 * certificate for a test name, one `certfleet deploy` with an inventory, then the
 * hosts are removed. It never touches ~/.ssh: the demo has its own key and
 * known_hosts, filled from the containers' own host key files. A DNS server on
 * loopback resolves the test name to both hosts for `certfleet verify`.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../test/support/cert-factory.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { startFleet } from '../test/support/test-hosts.js';

const DOMAIN = 'app.demo.test';
const ADDRESSES = ['127.0.0.51', '127.0.0.52'];
const cli = resolve(fileURLToPath(import.meta.url), '../../src/cli.js');

function say(message: string): void {
  process.stderr.write(`demo: ${message}\n`);
}

function runCertfleet(args: string[]): Promise<number> {
  say(`$ certfleet ${args.join(' ')}`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', (code) => done(code ?? 1));
  });
}

say(`starting two Debian test hosts with ufw active at ${ADDRESSES.join(' and ')}`);
const fleet = await startFleet({ image: 'debian-ufw', addresses: ADDRESSES, names: ['web1', 'web2'] });
let exitCode = 1;
try {
  say(`making a local CA, an intermediate and a certificate for ${DOMAIN} in ${fleet.dir}`);
  const pki = createTestPki({ dir: fleet.dir, domain: DOMAIN });
  const inventory = await fleet.writeInventory('deploy');
  const common = ['--inventory', inventory, '--known-hosts', fleet.knownHostsFile];
  exitCode = await runCertfleet([
    'deploy',
    ...common,
    '--cert', pki.chainPath,
    '--key', pki.leaf.keyPath,
    '--domain', DOMAIN,
    '--ca', pki.root.certPath,
  ]);
  if (exitCode === 0) {
    const dns = await startDnsServer({ [DOMAIN]: { a: ADDRESSES } });
    say(`a DNS server on ${dns.serverOption} resolves ${DOMAIN} to both hosts`);
    try {
      exitCode = await runCertfleet(['verify', DOMAIN, '--dns-server', dns.serverOption, '--ca', pki.root.certPath, '--expect-cert', pki.leaf.certPath, ...common]);
    } finally {
      await dns.stop();
    }
  }
  say(exitCode === 0 ? 'both hosts serve the new certificate' : `certfleet exited with ${exitCode}`);
} finally {
  say('removing the test hosts');
  await fleet.stop();
}
process.exitCode = exitCode;

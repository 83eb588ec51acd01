import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');

/** A test host image: a folder under docker/, built by docker/build-images.sh and tagged by a hash of its files. */
export type ImageName = string;

const builtImages = new Map<string, Promise<string>>();

/**
 * Real distributions that stand in for the Debian-built images when
 * CERTFLEET_TEST_UPSTREAM=1: they need a container registry, so they are not
 * built on machines without one.
 */
const UPSTREAM_OF: Record<string, string> = {
  'debian-ufw': 'ubuntu-24.04',
  'rhel-firewalld': 'rockylinux-9',
};

function buildUpstreamImage(folder: string): Promise<string> {
  const tag = `certfleet-upstream-${folder}:latest`;
  return execFileAsync('docker', ['build', '-q', '-f', join(repoRoot, 'docker/upstream', folder, 'Dockerfile'), '-t', tag, join(repoRoot, 'docker')], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30 * 60 * 1000,
  }).then(() => tag);
}

/** Builds (or finds) one test host image once per process and returns its IMAGE:TAG. */
export function buildImage(name: ImageName): Promise<string> {
  let built = builtImages.get(name);
  const upstream = process.env.CERTFLEET_TEST_UPSTREAM === '1' ? UPSTREAM_OF[name] : undefined;
  if (!built && upstream) {
    built = buildUpstreamImage(upstream);
    builtImages.set(name, built);
  }
  if (!built) {
    built = execFileAsync('bash', [join(repoRoot, 'docker/build-images.sh'), name], { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60 * 1000 }).then(({ stdout }) => {
      const line = stdout.trim().split('\n').find((entry) => entry.startsWith(`${name} `));
      if (!line) throw new Error(`docker/build-images.sh ${name} printed no image: ${stdout}`);
      return line.slice(name.length + 1);
    });
    builtImages.set(name, built);
  }
  return built;
}

/**
 * A systemd container published on one loopback address with standard ports, so
 * that it looks like a real server at, for example, 127.0.0.21:22 and :443.
 * testcontainers binds ports on all addresses only, so the host address is set
 * on the Docker host config directly.
 */
class LoopbackSystemdContainer extends GenericContainer {
  withLoopbackAddress(address: string, ports: number[]): this {
    this.withExposedPorts(...ports.map((port) => ({ container: port, host: port })));
    for (const port of ports) this.hostConfig.PortBindings![`${port}/tcp`] = [{ HostIp: address, HostPort: String(port) }];
    // systemd needs the host's cgroup namespace here; dockerode's HostConfig type lacks the field.
    (this.hostConfig as { CgroupnsMode?: string }).CgroupnsMode = 'host';
    return this;
  }
}

export interface TestHost {
  name: string;
  address: string;
  container: StartedTestContainer;
  /** Runs a command in the container as root and returns its stdout; throws on a non-zero exit. */
  run(command: string): Promise<string>;
  /** Runs a command and returns its output and exit code without throwing. */
  runResult(command: string): Promise<{ output: string; exitCode: number }>;
  /** Reboots the host's systemd (docker restart) and waits until sshd is active again. */
  reboot(): Promise<void>;
}

export interface TestFleet {
  hosts: TestHost[];
  /** Private key authorised for the users deploy and nosudo on every host. */
  identityFile: string;
  /** known_hosts filled from the containers' own host key files. */
  knownHostsFile: string;
  /** Scratch folder of this fleet, removed by stop(). */
  dir: string;
  /** Writes an inventory file for the given hosts and login user and returns its path. */
  writeInventory(user?: string, hosts?: TestHost[]): Promise<string>;
  stop(): Promise<void>;
}

export interface StartFleetOptions {
  image: ImageName;
  /** One loopback address per host, such as 127.0.0.21. */
  addresses: string[];
  /** Host names, default host1, host2, ... */
  names?: string[];
  ports?: number[];
}

/**
 * Generates an ed25519 key pair with ssh-keygen and returns the private key's path.
 * ssh2's own generator is not used: about one key in 256 it writes a malformed public key.
 */
export async function generateIdentity(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'certfleet-test', '-f', path]);
  return path;
}

async function waitForSystemd(container: StartedTestContainer): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const state = await container.exec(['systemctl', 'is-system-running']);
    const ssh = await container.exec(['systemctl', 'is-active', 'ssh']);
    if (/running|degraded/.test(state.output) && ssh.output.trim() === 'active') return;
    if (Date.now() > deadline) throw new Error(`systemd in ${container.getName()} is "${state.output.trim()}", ssh "${ssh.output.trim()}" after 90 s`);
    await new Promise((done) => setTimeout(done, 300));
  }
}

/**
 * Starts Debian test hosts with systemd as PID 1, each on its own loopback
 * address. The caller must call stop(). Needs a Docker engine without the
 * userland proxy (scripts/ensure-docker.sh starts one).
 */
export async function startFleet(options: StartFleetOptions): Promise<TestFleet> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const image = await buildImage(options.image);

  const dir = await mkdtemp(join(tmpdir(), 'certfleet-fleet-'));
  const identityFile = await generateIdentity(dir, 'id_ed25519');
  const authorized = await readFile(`${identityFile}.pub`, 'utf8');

  const ports = options.ports ?? [22, 80, 443];
  const names = options.names ?? options.addresses.map((_, index) => `host${index + 1}`);
  const started = await Promise.all(
    options.addresses.map(async (address, index) => {
      const container = await new LoopbackSystemdContainer(image)
        .withLoopbackAddress(address, ports)
        .withAddedCapabilities('SYS_ADMIN', 'NET_ADMIN')
        .withSecurityOpt('seccomp=unconfined', 'apparmor=unconfined')
        .withTmpFs({ '/run': 'rw', '/run/lock': 'rw' })
        .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: 'rw' }])
        .withCopyContentToContainer([
          { content: authorized, target: '/etc/ssh/authorized_keys/deploy', mode: 0o644 },
          { content: authorized, target: '/etc/ssh/authorized_keys/nosudo', mode: 0o644 },
        ])
        .withLabels({ 'certfleet.test-host': 'true' })
        .withWaitStrategy(Wait.forSuccessfulCommand('systemctl is-active ssh'))
        .withStartupTimeout(90_000)
        .start();
      await waitForSystemd(container);
      return { address, container, name: names[index]! };
    }),
  );

  const hosts: TestHost[] = started.map(({ address, container, name }) => {
    const runResult = async (command: string) => {
      const result = await container.exec(['sh', '-c', command]);
      return { output: result.output, exitCode: result.exitCode };
    };
    return {
      name,
      address,
      container,
      runResult,
      run: async (command: string) => {
        const result = await runResult(command);
        if (result.exitCode !== 0) throw new Error(`${name}: "${command}" exited ${result.exitCode}: ${result.output}`);
        return result.output;
      },
      reboot: async () => {
        await container.restart();
        await waitForSystemd(container);
      },
    };
  });

  // known_hosts from the hosts' own key files, as an administrator would copy them: no trust on first use.
  const knownHostsFile = join(dir, 'known_hosts');
  const lines: string[] = [];
  for (const host of hosts) {
    const keysText = await host.run('cat /etc/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ecdsa_key.pub /etc/ssh/ssh_host_rsa_key.pub');
    for (const line of keysText.trim().split('\n')) {
      const [type, key] = line.trim().split(/\s+/);
      lines.push(`${host.address} ${type} ${key}`);
    }
  }
  await writeFile(knownHostsFile, `${lines.join('\n')}\n`, { mode: 0o600 });

  return {
    hosts,
    identityFile,
    knownHostsFile,
    dir,
    writeInventory: async (user = 'deploy', selected = hosts) => {
      const file = join(dir, `inventory-${user}-${selected.map((host) => host.name).join('-')}.yaml`);
      const text = [
        'defaults:',
        `  user: ${user}`,
        `  identity: ${identityFile}`,
        'hosts:',
        ...selected.flatMap((host) => [`  - name: ${host.name}`, `    address: ${host.address}`]),
        '',
      ].join('\n');
      await writeFile(file, text);
      return file;
    },
    stop: async () => {
      await Promise.all(hosts.map((host) => host.container.stop({ timeout: 5_000 }).catch(() => undefined)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

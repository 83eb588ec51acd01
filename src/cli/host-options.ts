import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { describeFileError, InputError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import type { HostSpec } from '../inventory/types.js';
import type { Logger } from '../log.js';
import { SshConnection } from '../ssh/connection.js';
import type { RemoteHost } from '../ssh/exec-result.js';
import { formatAddress, parseHostTarget } from '../ssh/host-address.js';

export interface HostSelectionOptions {
  inventory?: string;
  host?: string[];
  identity?: string;
}

export interface ConnectionOptions {
  knownHosts: string;
  acceptNewHostKeys?: boolean;
  connectTimeout: number;
  connectRetries: number;
}

/** Environment variable that contains the SSH private key's passphrase. It is never an option, so it stays out of `ps`. */
export const SSH_PASSPHRASE_VARIABLE = 'CERTFLEET_SSH_PASSPHRASE';

/** Collects the values of a repeatable option into an array, for commander. */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInteger(name: string, min: number) {
  return (value: string): number => {
    const number = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(number >= min)) throw new InputError(`invalid ${name} ${JSON.stringify(value)}: expected a whole number of at least ${min}.`);
    return number;
  };
}

/** Adds the options that choose hosts, and how to connect to them. */
export function addHostOptions(command: Command): Command {
  command
    .option('-i, --inventory <file>', 'inventory YAML file listing the hosts')
    .option('--host <user@address[:port]>', 'one host to work on, IPv6 in brackets (repeatable)', collectValues)
    .option('--identity <keyfile>', `private key for --host hosts (passphrase from ${SSH_PASSPHRASE_VARIABLE}); without it, ssh-agent`);
  return addConnectionOptions(command);
}

/** Adds the options that set how SSH connections are made and host keys checked. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--known-hosts <file>', 'known_hosts file to check host keys against', join(homedir(), '.ssh', 'known_hosts'))
    .option('--accept-new-host-keys', 'accept and record the key of a host not yet in known_hosts (a changed key is always rejected)')
    .addOption(new Option('--connect-timeout <seconds>', 'time allowed for the TCP connection and SSH handshake, per attempt').default(10).argParser(positiveInteger('--connect-timeout', 1)))
    .addOption(new Option('--connect-retries <count>', 'further attempts after a transient connection fault').default(2).argParser(positiveInteger('--connect-retries', 0)));
}

/** Reads the hosts from --inventory or --host (exactly one of them must be given) and checks their identity files. */
export async function selectHosts(options: HostSelectionOptions): Promise<HostSpec[]> {
  const hosts = await readHosts(options);
  for (const identity of new Set(hosts.map((host) => host.identity).filter((path): path is string => path !== undefined))) {
    const users = hosts.filter((host) => host.identity === identity).map((host) => host.name);
    let head: string;
    try {
      head = (await readFile(identity, 'utf8')).slice(0, 200);
    } catch (error) {
      throw new InputError(`cannot read the SSH identity file of host ${users.join(', ')}: ${describeFileError(error)}.`, {
        file: identity,
        hint: 'Check the path given with --identity or "identity" in the inventory.',
      });
    }
    // A public key here is a common slip; the private key's contents are never shown.
    if (/^(ssh-|ecdsa-|sk-)\S+ AAAA/.test(head.trimStart()) || head.includes('PUBLIC KEY-----')) {
      throw new InputError(`the SSH identity file of host ${users.join(', ')} contains a public key, not a private key.`, {
        file: identity,
        hint: 'Give the private key file (the one without .pub).',
      });
    }
  }
  return hosts;
}

async function readHosts(options: HostSelectionOptions): Promise<HostSpec[]> {
  if (options.inventory && options.host) {
    throw new InputError('give either --inventory or --host, not both.');
  }
  if (options.inventory) return (await loadInventory(options.inventory)).hosts;
  if (options.host && options.host.length > 0) {
    const seen = new Set<string>();
    return options.host.map((text) => {
      const target = parseHostTarget(text);
      const name = formatAddress(target.address, target.port);
      if (seen.has(name)) throw new InputError(`--host ${text} is given twice.`);
      seen.add(name);
      return { name, ...target, identity: options.identity ? resolve(options.identity) : undefined, vars: {} };
    });
  }
  throw new InputError('no hosts given.', { hint: 'Use --inventory FILE, or --host user@address[:port] with --identity KEYFILE.' });
}

/** Returns a function that opens an SSH connection to one host with the command's options. */
export function connector(options: ConnectionOptions, logger: Logger): (host: HostSpec) => Promise<RemoteHost> {
  return (host) =>
    SshConnection.open({
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.user,
      identity: host.identity,
      passphrase: process.env[SSH_PASSPHRASE_VARIABLE],
      knownHostsFile: resolve(options.knownHosts),
      acceptNewHostKeys: options.acceptNewHostKeys ?? false,
      readyTimeoutMs: options.connectTimeout * 1000,
      retries: options.connectRetries,
      logger,
    });
}

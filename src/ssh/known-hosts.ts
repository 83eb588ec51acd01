import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One key line of a known_hosts file that applies to the host looked up. */
export interface KnownHostKey {
  /** Key type as written in the file, such as `ssh-ed25519`. */
  type: string;
  /** The key blob, base64 as in the file. */
  key: string;
  /** 1-based line number in the file. */
  line: number;
  /** `@revoked` keys are never accepted. */
  revoked: boolean;
}

/**
 * Returns the name a host has in known_hosts: the address alone on port 22,
 * `[address]:port` otherwise (the format OpenSSH writes).
 */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Finds the keys a known_hosts text holds for a host name, hashed entries included. */
export function findKnownHostKeys(text: string, hostName: string): KnownHostKey[] {
  const found: KnownHostKey[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) {
      marker = fields[0];
      fields = fields.slice(1);
    }
    const [patterns, type, key] = fields;
    if (!patterns || !type || !key) return;
    // @cert-authority lines sign host certificates, which certfleet does not use.
    if (marker === '@cert-authority') return;
    if (!patternsMatch(patterns, hostName)) return;
    found.push({ type, key, line: index + 1, revoked: marker === '@revoked' });
  });
  return found;
}

function patternsMatch(patterns: string, hostName: string): boolean {
  if (patterns.startsWith('|1|')) return hashedPatternMatches(patterns, hostName);
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (globMatches(body.toLowerCase(), hostName.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hashedPatternMatches(pattern: string, hostName: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(hostName).digest('base64');
  return digest === hash;
}

function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(name);
}

/** Reads a known_hosts file; a missing file reads as empty. */
export async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Appends one entry, creating the file (mode 0600) and its folder when missing. */
export async function appendKnownHost(file: string, hostName: string, type: string, key: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const current = await readKnownHosts(file);
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${separator}${hostName} ${type} ${key}\n`, { mode: 0o600 });
}

/** Formats a key blob's fingerprint the way `ssh-keygen -l` does: `SHA256:...` without padding. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Reads the key type from the first field of an SSH public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/**
 * Maps known_hosts key types to the host key algorithms to offer, so that the
 * server presents a key of a type the file holds. An ECDSA entry then never meets
 * an ed25519 key and is never mistaken for a changed one.
 */
export function hostKeyAlgorithmsFor(types: readonly string[]): string[] {
  const algorithms = new Set<string>();
  for (const type of types) {
    if (type === 'ssh-rsa') {
      for (const name of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']) algorithms.add(name);
    } else {
      algorithms.add(type);
    }
  }
  return [...algorithms];
}

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeFileError, InputError } from '../errors.js';
import { formatIssues } from '../playbook/zod-issues.js';
import { isValidAddress } from '../ssh/host-address.js';
import type { HostSpec, Inventory } from './types.js';

const address = z.string().refine(isValidAddress, 'must be an IP address or a host name');
const user = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a valid user name');
const port = z.number().int().min(1).max(65535);

const defaultsSchema = z
  .object({
    user: user.optional(),
    port: port.optional(),
    identity: z.string().min(1).optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const hostSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, ".", "_" or "-"'),
    address,
    port: port.optional(),
    user: user.optional(),
    identity: z.string().min(1).optional(),
    public_address: address.optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const inventorySchema = z
  .object({
    defaults: defaultsSchema.optional(),
    hosts: z.array(hostSchema).min(1, 'must list at least one host'),
  })
  .strict();

/**
 * Reads a certfleet inventory: connection defaults and a list of hosts.
 * Identity paths are relative to the inventory file.
 */
export async function loadInventory(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the inventory: ${describeFileError(error)}.`, {
      file,
      hint: 'Check the path given with --inventory.',
    });
  }
  return parseInventory(text, file);
}

export function parseInventory(text: string, file: string): Inventory {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new InputError(`invalid YAML: ${(error as Error).message}`, { file });
  }
  const result = inventorySchema.safeParse(data);
  if (!result.success) {
    const hostName = (path: PropertyKey[]) => {
      if (path[0] !== 'hosts' || typeof path[1] !== 'number') return undefined;
      const name = (data as { hosts?: { name?: unknown }[] }).hosts?.[path[1]]?.name;
      return typeof name === 'string' ? `host ${name}` : undefined;
    };
    throw new InputError(`invalid inventory:\n  ${formatIssues(result.error.issues, hostName).join('\n  ')}`, { file });
  }

  const { defaults = {}, hosts } = result.data;
  const base = dirname(resolve(file));
  const seen = new Set<string>();
  const targets = new Map<string, string>();
  const specs: HostSpec[] = hosts.map((host, index) => {
    if (seen.has(host.name)) throw new InputError(`hosts.${index}: the host name ${JSON.stringify(host.name)} appears twice.`, { file });
    seen.add(host.name);
    // Two entries for one server would run the same steps on it at the same time.
    const target = `${host.address.toLowerCase()} port ${host.port ?? defaults.port ?? 22}`;
    const other = targets.get(target);
    if (other) {
      throw new InputError(`hosts.${index} (host ${host.name}): ${target} is also host ${other}; list each server once.`, { file });
    }
    targets.set(target, host.name);
    const login = host.user ?? defaults.user;
    if (!login) {
      throw new InputError(`hosts.${index} (host ${host.name}): field "user" is missing and defaults.user is not set.`, { file });
    }
    const identity = host.identity ?? defaults.identity;
    return {
      name: host.name,
      address: host.address,
      port: host.port ?? defaults.port ?? 22,
      user: login,
      identity: identity === undefined ? undefined : resolve(base, identity),
      publicAddress: host.public_address,
      vars: { ...(defaults.vars ?? {}), ...(host.vars ?? {}) },
    };
  });
  return { file, hosts: specs };
}

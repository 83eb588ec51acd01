import type { HostSpec } from '../inventory/types.js';

/** The addresses one inventory host is expected at in DNS. */
export interface ExpectedHostAddresses {
  host: HostSpec;
  /** `publicAddress`, else `address`, as written in the inventory. */
  expected: string;
  /** Canonical IP addresses of `expected`: itself when it is an IP address, else what it resolves to. */
  addresses: string[];
  /** Error message from resolving `expected`, when it is a host name that did not resolve. */
  resolveError?: string;
}

export interface MissingHost {
  host: HostSpec;
  expected: string;
  /** One line saying why the host counts as missing from DNS. */
  problem: string;
}

export interface CrossCheckResult {
  /** Inventory hosts at each resolved address; addresses no host has are absent. */
  hostsByAddress: Map<string, HostSpec[]>;
  /** Resolved addresses that no inventory host has. */
  notInInventory: string[];
  /** Inventory hosts none of whose addresses the name resolves to. */
  missingFromDns: MissingHost[];
}

/** Returns the address DNS should point at for a host: its public address, else its SSH address. */
export function expectedAddressOf(host: HostSpec): string {
  return host.publicAddress ?? host.address;
}

/**
 * Compares the addresses a name resolves to with the inventory. `resolved` and each
 * host's `addresses` must be canonical IP addresses (see canonicalIpAddress).
 * Several hosts may share one address, as behind one NAT address.
 */
export function crossCheckInventory(name: string, resolved: string[], hosts: ExpectedHostAddresses[]): CrossCheckResult {
  const resolvedSet = new Set(resolved);
  const hostsByAddress = new Map<string, HostSpec[]>();
  const missingFromDns: MissingHost[] = [];

  for (const entry of hosts) {
    const matching = entry.addresses.filter((address) => resolvedSet.has(address));
    for (const address of matching) {
      const list = hostsByAddress.get(address) ?? [];
      list.push(entry.host);
      hostsByAddress.set(address, list);
    }
    if (matching.length === 0) {
      missingFromDns.push({ host: entry.host, expected: entry.expected, problem: describeMissing(name, entry) });
    }
  }

  const notInInventory = resolved.filter((address) => !hostsByAddress.has(address));
  return { hostsByAddress, notInInventory, missingFromDns };
}

function describeMissing(name: string, entry: ExpectedHostAddresses): string {
  // Messages use the inventory file's field names, which the user edits.
  const field = entry.host.publicAddress === undefined ? 'address' : 'public_address';
  if (entry.resolveError !== undefined) {
    return `inventory ${field} ${entry.expected} did not resolve (${entry.resolveError}), so it cannot be matched with DNS`;
  }
  if (entry.addresses.length === 0) {
    return `inventory ${field} ${entry.expected} has no A or AAAA record, so it cannot be matched with DNS`;
  }
  const where = entry.addresses.join(', ') === entry.expected ? entry.expected : `${entry.expected} (${entry.addresses.join(', ')})`;
  return `${name} does not resolve to inventory ${field} ${where}. Add the record, or set public_address if DNS points at a NAT or load balancer address`;
}

import { promises as dns } from 'node:dns';
import net from 'node:net';
import { InputError, VerificationError } from '../errors.js';
import { canonicalIpAddress } from './ip-address.js';
import { errorCode } from './unreachable.js';

export interface DnsServer {
  address: string;
  port: number;
  /** The form `Resolver#setServers` takes: `1.2.3.4:53` or `[::1]:53`. */
  server: string;
}

export interface ResolvedName {
  /** Canonical IPv4 addresses, in the order of the A records. */
  a: string[];
  /** Canonical IPv6 addresses, in the order of the AAAA records. */
  aaaa: string[];
}

export interface NameResolver {
  /** Resolves all A and AAAA records of `name`; either list may be empty. */
  resolve(name: string): Promise<ResolvedName>;
  /** The server asked, for messages: `system resolver` or `127.0.0.1:5353`. */
  description: string;
}

const DNS_PORT = 53;

/**
 * Parses a DNS server given as `ADDRESS[:PORT]`, with an IPv6 address in brackets when it
 * has a port (`[::1]:5353`). A bare IPv6 address uses port 53. Host names are rejected
 * because the resolver needs an IP address to send queries to.
 */
export function parseDnsServer(text: string): DnsServer {
  const value = text.trim();
  const invalid = (problem: string) =>
    new InputError(`invalid DNS server "${text}": ${problem}. Give an IP address with an optional port, such as 127.0.0.1:5353 or [::1]:5353`);

  let address = value;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    address = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (net.isIPv6(value)) {
    address = value;
  } else if (value.includes(':')) {
    const colon = value.lastIndexOf(':');
    address = value.slice(0, colon);
    portText = value.slice(colon + 1);
  }

  const canonical = canonicalIpAddress(address);
  if (canonical === undefined) throw invalid(`"${address}" is not an IP address`);
  if (bracketed && !net.isIPv6(canonical)) throw invalid('only IPv6 addresses go in brackets');

  let port = DNS_PORT;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw invalid(`port "${portText}" is not a number from 1 to 65535`);
  }

  const server = net.isIPv6(canonical) ? `[${canonical}]:${port}` : `${canonical}:${port}`;
  return { address: canonical, port, server };
}

/**
 * Creates a resolver that queries the given DNS server, or the servers in the system's
 * resolver configuration (/etc/resolv.conf on Linux) when none is given. It sends DNS
 * queries through c-ares, so /etc/hosts does not apply.
 */
export function createNameResolver(options: { dnsServer?: DnsServer; timeoutMs?: number } = {}): NameResolver {
  const resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 3000, tries: 2 });
  if (options.dnsServer) resolver.setServers([options.dnsServer.server]);
  const description = options.dnsServer ? options.dnsServer.server : 'system resolver';

  const lookup = async (name: string, type: 'A' | 'AAAA'): Promise<string[]> => {
    try {
      const records = type === 'A' ? await resolver.resolve4(name) : await resolver.resolve6(name);
      return records.map((record) => canonicalIpAddress(record) ?? record);
    } catch (error) {
      const code = errorCode(error);
      // ENODATA: the name exists without records of this type. ENOTFOUND: NXDOMAIN.
      if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
      throw new VerificationError(`resolving the ${type} records of ${name} at ${description} failed (${code ?? String(error)})`, {
        cause: error,
        hint: 'Check that the DNS server is reachable and serves this name.',
      });
    }
  };

  return {
    description,
    async resolve(name) {
      const [a, aaaa] = await Promise.all([lookup(name, 'A'), lookup(name, 'AAAA')]);
      return { a: unique(a), aaaa: unique(aaaa) };
    },
  };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

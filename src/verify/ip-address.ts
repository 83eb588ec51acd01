import net from 'node:net';

/**
 * Returns the canonical text of an IP address, so that two spellings of one address compare
 * equal. IPv6 is compressed and lower-cased by the WHATWG URL serializer, which writes an
 * IPv4-mapped address in hex (`::ffff:7f00:1`). IPv4 is unchanged. Returns undefined for
 * anything that is not an IP address, such as a host name.
 */
export function canonicalIpAddress(text: string): string | undefined {
  const trimmed = text.trim();
  const family = net.isIP(trimmed);
  if (family === 4) return trimmed;
  if (family === 6) return new URL(`http://[${trimmed}]/`).hostname.slice(1, -1);
  return undefined;
}

/** Formats an address and port for messages and URLs, with an IPv6 address in brackets. */
export function formatAddressPort(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

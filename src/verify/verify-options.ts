import type { X509Certificate } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { DEFAULT_WARN_DAYS, type TrustStore } from '../certs/index.js';
import { InputError } from '../errors.js';
import type { Inventory } from '../inventory/types.js';
import { canonicalIpAddress } from './ip-address.js';

/** Options of verifyName; everything but `name` has a default. */
export interface VerifyNameOptions {
  /** DNS name to verify; sent in SNI and Host, and looked up in DNS. */
  name: string;
  /** HTTPS port; defaults to 443. */
  port?: number;
  /** Certificate every address must serve, compared by SHA-256 fingerprint; without it, that check is skipped. */
  expectedCertificate?: X509Certificate;
  /** Trust store the served chains must validate against; defaults to `loadTrustStore()` (system bundle and Node's roots). */
  trustStore?: TrustStore;
  /** DNS server as `ADDRESS[:PORT]` (IPv6 in brackets with a port); defaults to the system resolver. */
  dnsServer?: string;
  /** A certificate with fewer whole days left than this gets a warning; defaults to 30. */
  warnDays?: number;
  /** Also require plain HTTP to redirect to `https://NAME/...`; defaults to false. */
  httpRedirect?: boolean;
  /** Port of the plain HTTP listener for the redirect check; defaults to 80. */
  httpPort?: number;
  /** Path requested over HTTPS and HTTP; defaults to `/`. */
  path?: string;
  /** Text the HTTPS response body must contain. */
  expectBody?: string;
  /** Hosts expected behind the name, matched by `publicAddress`, else `address`. */
  inventory?: Inventory;
  /** Maximum time in ms for each connect, handshake, HTTP request and DNS query; defaults to 5000. */
  timeoutMs?: number;
  /** Time the validity checks use; defaults to now. */
  now?: Date;
}

/** Letters, digits and hyphens in labels of 1 to 63 characters, 253 characters in all (RFC 1035), with an optional final dot. */
const DNS_NAME = /^(?=.{1,253}\.?$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/i;

/** Validated options with their defaults filled in. */
export interface Settings {
  name: string;
  port: number;
  warnDays: number;
  httpRedirect: boolean;
  httpPort: number;
  path: string;
  expectBody?: string;
  timeoutMs: number;
}

/** Validates the options and fills in defaults. Throws InputError naming the invalid value. */
export function validateOptions(options: VerifyNameOptions): Settings {
  const trimmed = options.name.trim().replace(/\.$/, '');
  // Certificates and DNS carry internationalised names in their ASCII form (xn--...).
  const name = /^[\x00-\x7f]*$/.test(trimmed) ? trimmed : domainToASCII(trimmed);
  if (!DNS_NAME.test(name) || canonicalIpAddress(name) !== undefined) {
    throw new InputError(`invalid name "${options.name}": expected a DNS name such as app.example.com, not an IP address or URL`);
  }

  const port = options.port ?? 443;
  const httpPort = options.httpPort ?? 80;
  for (const [label, value] of [['port', port], ['HTTP port', httpPort]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      throw new InputError(`invalid ${label} ${value}: expected a whole number from 1 to 65535`);
    }
  }

  const warnDays = options.warnDays ?? DEFAULT_WARN_DAYS;
  if (!Number.isInteger(warnDays) || warnDays < 0) {
    throw new InputError(`invalid warning threshold ${warnDays}: expected a whole number of days, 0 or more`);
  }

  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InputError(`invalid timeout ${timeoutMs} ms: expected a positive number`);
  }

  const path = options.path ?? '/';
  if (!path.startsWith('/') || /\s/.test(path)) {
    throw new InputError(`invalid path "${path}": expected an absolute URL path such as / or /health, without spaces`);
  }

  return { name, port, warnDays, httpRedirect: options.httpRedirect ?? false, httpPort, path, expectBody: options.expectBody, timeoutMs };
}

import type { X509Certificate } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { checkChain, checkExpectedCertificate, checkNameCovered, checkValidity } from './certificate-checks.js';
import { checkHttpRedirect, checkHttps } from './http-check.js';
import { formatAddressPort } from './ip-address.js';
import { probeProtocols } from './protocol-probe.js';
import { evaluateProtocolPolicy } from './protocol-policy.js';
import { probeTls } from './tls-probe.js';
import type { CheckResult, Checks, ProtocolOutcomes, Unreachable } from './types.js';

export interface AddressCheckOptions {
  name: string;
  port: number;
  timeoutMs: number;
  /** Context holding the trusted CA certificates, made once for all addresses. */
  trust: SecureContext;
  expectedCertificate?: X509Certificate;
  warnDays: number;
  now: Date;
  path: string;
  expectBody?: string;
  /** Also check that plain HTTP on `httpPort` redirects to HTTPS. */
  httpRedirect: boolean;
  httpPort: number;
}

/** Probe results for one address, before the inventory and diagnosis are added. */
export interface AddressProbe {
  address: string;
  checks: Checks;
  unreachable?: Unreachable;
  servedFingerprint?: string;
  validTo?: string;
  daysLeft?: number;
  protocols?: ProtocolOutcomes;
}

/**
 * Runs every check on one address: TCP connect, TLS handshake with SNI, the served leaf
 * and chain, protocol versions, the HTTPS response and, when requested, the HTTP redirect.
 * The protocol probes and HTTP requests run concurrently. Network, TLS and HTTP failures
 * are returned as check results, not thrown, so one address cannot stop the others.
 */
export async function verifyAddress(address: string, options: AddressCheckOptions): Promise<AddressProbe> {
  const main = await probeTls({
    address,
    port: options.port,
    servername: options.name,
    timeoutMs: options.timeoutMs,
    secureContext: options.trust,
  });
  const target = formatAddressPort(address, options.port);

  if (main.kind === 'unreachable') {
    return { address, unreachable: main.unreachable, checks: { connect: { status: 'fail', detail: main.unreachable.message } } };
  }

  const checks: Checks = { connect: { status: 'pass', detail: `TCP connection to ${target} opened` } };
  const handshakeDone = main.kind === 'connected';

  const [protocols, https, redirect] = await Promise.all([
    probeProtocols({ address, port: options.port, servername: options.name, timeoutMs: options.timeoutMs }),
    handshakeDone
      ? checkHttps({ address, port: options.port, name: options.name, path: options.path, expectBody: options.expectBody, timeoutMs: options.timeoutMs })
      : Promise.resolve<CheckResult>({ status: 'skipped', detail: 'no TLS handshake' }),
    options.httpRedirect
      ? checkHttpRedirect({ address, httpPort: options.httpPort, httpsPort: options.port, name: options.name, path: options.path, timeoutMs: options.timeoutMs })
      : Promise.resolve(undefined),
  ]);

  const probe: AddressProbe = { address, checks, protocols };

  if (main.kind === 'handshake-failed') {
    checks.handshake = {
      status: 'fail',
      detail: `TLS handshake with SNI ${options.name} failed: ${main.reason}. The server must complete a TLS 1.2 or 1.3 handshake for this name`,
    };
  } else {
    checks.handshake = { status: 'pass', detail: `${main.protocol} handshake with SNI ${options.name}` };
    checks['expected-certificate'] = checkExpectedCertificate(main.leaf, options.expectedCertificate);
    checks.chain = checkChain(main.chainValid, main.chainError);
    checks.name = checkNameCovered(main.leaf, options.name);

    const validity = checkValidity(main.leaf, options.now, options.warnDays);
    checks.validity = { status: validity.status, detail: validity.detail };
    probe.servedFingerprint = main.leaf.fingerprint256;
    probe.validTo = validity.validTo;
    probe.daysLeft = validity.daysLeft;
  }

  checks.protocols = evaluateProtocolPolicy(protocols);
  checks.https = https;
  if (redirect !== undefined) checks['http-redirect'] = redirect;
  return probe;
}

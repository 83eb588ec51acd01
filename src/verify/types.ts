import type { HostSpec } from '../inventory/types.js';

/** TLS protocol versions as Node's `tls` module and OpenSSL name them. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Result of offering exactly one TLS version: `accepted` when the handshake completed with
 * that version, `rejected` when the server responded and the handshake failed, `unknown` when
 * the probe got no response (TCP connect failed or the handshake timed out).
 */
export type ProtocolOutcome = 'accepted' | 'rejected' | 'unknown';

export type ProtocolOutcomes = Record<TlsVersion, ProtocolOutcome>;

/** Reason a TCP connection to an address failed, classified by the socket error. */
export type UnreachableKind = 'timed-out' | 'refused' | 'no-route' | 'network-unreachable' | 'other';

export interface Unreachable {
  kind: UnreachableKind;
  /** Socket error code, such as ECONNREFUSED. The probe's own time-out is reported as ETIMEDOUT. */
  code?: string;
  /** One line for the user, such as "connection refused (nothing listening on port 443)". */
  message: string;
}

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  /** One-line finding. For a failure or warning, it also names the fix. */
  detail: string;
}

/** Names of the checks made on each address, in the order they appear in reports. */
export const CHECK_NAMES = [
  'connect',
  'handshake',
  'expected-certificate',
  'same-certificate',
  'chain',
  'name',
  'validity',
  'protocols',
  'https',
  'http-redirect',
  'inventory',
] as const;

export type CheckName = (typeof CHECK_NAMES)[number];

export type Checks = Partial<Record<CheckName, CheckResult>>;

/**
 * Overall result of one address. `warn` means only warnings, such as a certificate that
 * expires within the warning threshold. `unreachable` means no TCP connection. `not-in-dns`
 * marks an inventory host whose address the name does not resolve to, which is not probed.
 */
export type AddressResult = 'pass' | 'warn' | 'fail' | 'unreachable' | 'not-in-dns';

/** Result of the on-host check over SSH for one host. */
export interface HostDiagnosis {
  /** True when the app on the host serves the certificate correctly from the inside. */
  ok: boolean;
  /** One line naming what was checked and what failed. */
  detail: string;
  /** SHA-256 fingerprint of the certificate the app serves on the host, in Node's `AB:CD:…` form. */
  servedFingerprint?: string;
  /** The part found failing on the host, when the check can tell. */
  component?: 'app' | 'certificate-files' | 'unit';
}

/** Runs the on-host check for `host` serving `name` on `port` (over SSH, outside this module). */
export type DiagnoseHost = (host: HostSpec, name: string, port: number) => Promise<HostDiagnosis>;

/**
 * Location of a failure, judged from the outside probe and the on-host check.
 * `path-blocked`: a host firewall or cloud security group blocks the port.
 * `certificate-in-front`: a CDN, load balancer or proxy serves another certificate.
 * `on-host`: the app, the certificate files or the systemd unit fail on the host.
 * `served-by-host`: the path is clear, and the host itself serves something wrong.
 * `unknown`: the on-host check failed, or its result does not decide.
 */
export type DiagnosisVerdict = 'path-blocked' | 'certificate-in-front' | 'on-host' | 'served-by-host' | 'unknown';

export interface Diagnosis {
  /** Inventory name of the host the on-host check ran on. */
  host: string;
  verdict: DiagnosisVerdict;
  message: string;
  /** The on-host check's own result, when it ran. */
  inside?: HostDiagnosis;
}

/** Everything found for one address behind the name, or for one inventory host missing from DNS. */
export interface AddressReport {
  address: string;
  /** Inventory names of the hosts at this address; empty without an inventory or a match. */
  hosts: string[];
  result: AddressResult;
  /** SHA-256 fingerprint of the leaf certificate the address served, in Node's `AB:CD:…` form. */
  servedFingerprint?: string;
  /** Expiry of the served leaf certificate, as an ISO 8601 timestamp. */
  validTo?: string;
  /** Whole days from the check until the served leaf expires; negative once it has expired. */
  daysLeft?: number;
  /** Outcome per TLS version; absent when the address was not probed. */
  protocols?: ProtocolOutcomes;
  /** Failures and warnings of this address, one line each, failures first. */
  problems: string[];
  checks: Checks;
  unreachable?: Unreachable;
  /** One entry per inventory host behind a failing address, when a diagnose hook was given. */
  diagnoses?: Diagnosis[];
}

export interface VerifyReport {
  name: string;
  port: number;
  /** The DNS server asked, or absent for the system resolver. */
  dnsServer?: string;
  /** Time of the check, as an ISO 8601 timestamp. */
  checkedAt: string;
  warnDays: number;
  /** SHA-256 fingerprint of the certificate every address must serve; absent when none was given. */
  expectedFingerprint?: string;
  /** Addresses the name resolved to, in the order DNS returned them (A records first). */
  resolvedAddresses: string[];
  /** One row per resolved address, then one per inventory host missing from DNS. */
  addresses: AddressReport[];
  /** True when every row's result is `pass`. */
  passed: boolean;
}

import type { CheckResult, ProtocolOutcomes, TlsVersion } from './types.js';
import { TLS_VERSIONS } from './types.js';

export type ProtocolPolicy = Record<TlsVersion, 'accept' | 'reject'>;

/** TLS 1.2 and 1.3 must be accepted. TLS 1.0 and 1.1 must be rejected (deprecated by RFC 8996). */
export const DEFAULT_PROTOCOL_POLICY: ProtocolPolicy = {
  TLSv1: 'reject',
  'TLSv1.1': 'reject',
  'TLSv1.2': 'accept',
  'TLSv1.3': 'accept',
};

/** Formats a Node TLS version name for people: `TLSv1` becomes `TLS 1.0`. */
export function formatTlsVersion(version: TlsVersion): string {
  return version === 'TLSv1' ? 'TLS 1.0' : `TLS ${version.slice('TLSv'.length)}`;
}

/** Compares the outcome of each offered TLS version with the policy. */
export function evaluateProtocolPolicy(
  outcomes: ProtocolOutcomes,
  policy: ProtocolPolicy = DEFAULT_PROTOCOL_POLICY,
): CheckResult {
  const wronglyAccepted: string[] = [];
  const wronglyRejected: string[] = [];
  const unknown: string[] = [];

  for (const version of TLS_VERSIONS) {
    const outcome = outcomes[version];
    const label = formatTlsVersion(version);
    if (outcome === 'unknown') unknown.push(label);
    else if (policy[version] === 'reject' && outcome === 'accepted') wronglyAccepted.push(label);
    else if (policy[version] === 'accept' && outcome === 'rejected') wronglyRejected.push(label);
  }

  const problems: string[] = [];
  if (wronglyAccepted.length > 0) {
    problems.push(`accepts ${joinAnd(wronglyAccepted)}, which must be rejected: set the server's minimum TLS version to 1.2`);
  }
  if (wronglyRejected.length > 0) {
    problems.push(`rejects ${joinAnd(wronglyRejected)}, which must be accepted: enable it in the server's TLS settings`);
  }
  if (unknown.length > 0) {
    problems.push(`no answer when offering ${joinAnd(unknown)} (the connection failed or timed out), so the policy is unproven`);
  }
  if (problems.length > 0) return { status: 'fail', detail: problems.join('. ') };

  const accepted = TLS_VERSIONS.filter((version) => outcomes[version] === 'accepted').map(formatTlsVersion);
  const rejected = TLS_VERSIONS.filter((version) => outcomes[version] === 'rejected').map(formatTlsVersion);
  return { status: 'pass', detail: `accepts ${joinAnd(accepted)}, rejects ${joinAnd(rejected)}` };
}

function joinAnd(items: string[]): string {
  if (items.length === 0) return 'none';
  if (items.length === 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

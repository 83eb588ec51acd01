import type { Diagnosis, HostDiagnosis, Unreachable } from './types.js';

/** Result of the probe from the controller at one address. */
export interface OutsideView {
  port: number;
  unreachable?: Unreachable;
  /** Fingerprint of the leaf the address served; absent when no TLS handshake completed. */
  servedFingerprint?: string;
}

const COMPONENT_LABELS: Record<NonNullable<HostDiagnosis['component']>, string> = {
  app: 'the app',
  'certificate-files': 'the certificate files',
  unit: 'the systemd unit',
};

/**
 * Decides where a failure at an address sits by comparing the outside probe with the
 * on-host check. A failure inside points at the host. An unreachable address that works
 * inside points at the path. A different certificate outside than inside points at
 * something in front of the host.
 */
export function interpretDiagnosis(host: string, outside: OutsideView, inside: HostDiagnosis): Diagnosis {
  if (!inside.ok) {
    const where = inside.component === undefined ? 'on the host' : `on the host, in ${COMPONENT_LABELS[inside.component]}`;
    return {
      host,
      verdict: 'on-host',
      message: `the on-host check fails too, so the fault is ${where}: ${inside.detail}. Fix the host, then verify again`,
      inside,
    };
  }

  if (outside.unreachable !== undefined) {
    return { host, verdict: 'path-blocked', message: describeBlockedPath(outside.port, outside.unreachable), inside };
  }

  if (outside.servedFingerprint === undefined) {
    return {
      host,
      verdict: 'certificate-in-front',
      message:
        `the app works on the host, but from here the TLS handshake on port ${outside.port} fails: ` +
        'something in front of the host (a CDN, load balancer, proxy or port forward) answers instead',
      inside,
    };
  }

  if (inside.servedFingerprint === undefined) {
    return {
      host,
      verdict: 'unknown',
      message:
        'the app works on the host, but the on-host check returned no fingerprint, ' +
        'so a proxy in front cannot be told apart from a fault in what the host serves',
      inside,
    };
  }

  if (!sameFingerprint(inside.servedFingerprint, outside.servedFingerprint)) {
    return {
      host,
      verdict: 'certificate-in-front',
      message:
        `the host serves ${inside.servedFingerprint}, but from here the address serves ${outside.servedFingerprint}: ` +
        'a CDN, load balancer or proxy in front serves another certificate, or DNS points at another server',
      inside,
    };
  }

  return {
    host,
    verdict: 'served-by-host',
    message: 'the host serves the same certificate inside and outside, so the path is clear and the fault is in what the host serves',
    inside,
  };
}

/** Builds the diagnosis for an on-host check that itself failed, such as an SSH error. */
export function diagnosisFailed(host: string, error: unknown): Diagnosis {
  const reason = error instanceof Error ? error.message : String(error);
  return { host, verdict: 'unknown', message: `the on-host check failed: ${reason}` };
}

function describeBlockedPath(port: number, unreachable: Unreachable): string {
  const prefix = `the app works on the host, but port ${port} is unreachable from here`;
  switch (unreachable.kind) {
    case 'timed-out':
      return `${prefix} (connection timed out): a host firewall or cloud security group drops the packets`;
    case 'refused':
      return `${prefix} (connection refused): a host firewall rejects with a TCP reset, or a NAT or load balancer in front forwards the port to nothing`;
    case 'no-route':
    case 'network-unreachable':
      return `${prefix} (${unreachable.code ?? 'no route'}): a host firewall rejects with an ICMP error, or a router or security group blocks the path`;
    default:
      return `${prefix} (${unreachable.message}): something on the path blocks it`;
  }
}

function sameFingerprint(left: string, right: string): boolean {
  const normalize = (fingerprint: string) => fingerprint.replace(/:/g, '').toUpperCase();
  return normalize(left) === normalize(right);
}

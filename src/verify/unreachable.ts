import type { Unreachable } from './types.js';

/**
 * Classifies a failed TCP connect by its error code. A time-out usually means that a
 * firewall drops the packets. ECONNREFUSED means that nothing listens on the port, or
 * that a firewall rejects with a TCP reset. EHOSTUNREACH usually means that a firewall
 * rejects with ICMP host-prohibited, or that the host is down on the local network.
 */
export function classifyConnectError(error: unknown, port: number, timeoutMs: number): Unreachable {
  const code = errorCode(error);

  switch (code) {
    case 'ETIMEDOUT':
      return { kind: 'timed-out', code, message: `connection timed out after ${timeoutMs} ms (filtered: a firewall drops the packets)` };
    case 'ECONNREFUSED':
      return { kind: 'refused', code, message: `connection refused (nothing listening on port ${port})` };
    case 'EHOSTUNREACH':
      return { kind: 'no-route', code, message: 'no route to host (a firewall rejects the connection, or the host is down)' };
    case 'ENETUNREACH':
      return { kind: 'network-unreachable', code, message: 'network unreachable (no route to this address from here)' };
    default: {
      const reason = error instanceof Error ? error.message : String(error);
      return { kind: 'other', code, message: `connect failed: ${reason}` };
    }
  }
}

/** Builds the result for the probe's own connect time-out, classified like a kernel ETIMEDOUT. */
export function connectTimedOut(port: number, timeoutMs: number): Unreachable {
  return classifyConnectError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }), port, timeoutMs);
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { connectTcp } from './tcp-connect.js';
import type { TlsVersion, Unreachable } from './types.js';
import { errorCode } from './unreachable.js';

export interface TlsProbeOptions {
  address: string;
  port: number;
  /** Server name sent in SNI. */
  servername: string;
  /** Maximum time for the TCP connect, and again for the TLS handshake. */
  timeoutMs: number;
  /**
   * Context holding the trusted CA certificates that the chain is validated against.
   * When given, Node ignores `minVersion`, `maxVersion` and `ciphers`.
   */
  secureContext?: tls.SecureContext;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list for TLS 1.2 and older. */
  ciphers?: string;
}

export type TlsProbeResult =
  | { kind: 'unreachable'; unreachable: Unreachable }
  | { kind: 'handshake-failed'; reason: string; code?: string; timedOut: boolean }
  | {
      kind: 'connected';
      /** Negotiated version, such as `TLSv1.3`. */
      protocol: string;
      leaf: X509Certificate;
      /** True when OpenSSL validated the chain the server sent against the CA certificates of `secureContext`. */
      chainValid: boolean;
      /** OpenSSL's verify error code when the chain did not validate, such as `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
      chainError?: string;
    };

/**
 * Connects to one address and completes a TLS handshake with SNI, then closes the
 * connection. OpenSSL validates the chain from the certificates the server sent against
 * the CA certificates of `secureContext` only, because it does not fetch missing
 * intermediates (no AIA fetching). The host name is not checked here, so that a name
 * mismatch does not hide the other results.
 */
export async function probeTls(options: TlsProbeOptions): Promise<TlsProbeResult> {
  const tcp = await connectTcp(options.address, options.port, options.timeoutMs);
  if ('unreachable' in tcp) return { kind: 'unreachable', unreachable: tcp.unreachable };

  return new Promise((resolve) => {
    const socket = tls.connect({
      socket: tcp.socket,
      servername: options.servername,
      secureContext: options.secureContext,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers,
    });

    let done = false;
    const finish = (result: TlsProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      tcp.socket.destroy();
      resolve(result);
    };

    const timer = setTimeout(() => {
      finish({ kind: 'handshake-failed', reason: `TLS handshake timed out after ${options.timeoutMs} ms`, timedOut: true });
    }, options.timeoutMs);

    socket.once('secureConnect', () => {
      const leaf = socket.getPeerX509Certificate();
      const protocol = socket.getProtocol() ?? 'unknown';
      if (leaf === undefined) {
        finish({ kind: 'handshake-failed', reason: 'the server sent no certificate', timedOut: false });
        return;
      }
      const chainError = socket.authorized ? undefined : String(socket.authorizationError);
      finish({ kind: 'connected', protocol, leaf, chainValid: socket.authorized, chainError });
    });

    // `on`, not `once`: a second error after the first must not become an uncaught exception.
    socket.on('error', (error) => {
      finish({ kind: 'handshake-failed', reason: describeTlsError(error), code: errorCode(error), timedOut: false });
    });
  });
}

/** Shortens OpenSSL's multi-part error text to its reason, such as "tlsv1 alert protocol version". */
function describeTlsError(error: Error): string {
  const match = /:SSL routines:[^:]*:([^:]+):/.exec(error.message);
  return match?.[1] ?? error.message.split('\n')[0] ?? error.message;
}

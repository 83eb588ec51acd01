import { probeTls, type TlsProbeResult } from './tls-probe.js';
import type { ProtocolOutcome, ProtocolOutcomes, TlsVersion } from './types.js';
import { TLS_VERSIONS } from './types.js';

/**
 * OpenSSL 3 at its default security level 1 refuses TLS 1.0 and 1.1 on the client side,
 * and Node's default minimum version is TLS 1.2. Security level 0 allows the old versions
 * and their SHA-1 signatures, so the probe really offers them to the server.
 */
const LEGACY_CIPHERS = 'DEFAULT@SECLEVEL=0';

export interface ProtocolProbeOptions {
  address: string;
  port: number;
  servername: string;
  timeoutMs: number;
}

/** Offers each TLS version alone, concurrently, one connection per version. */
export async function probeProtocols(options: ProtocolProbeOptions): Promise<ProtocolOutcomes> {
  const entries = await Promise.all(
    TLS_VERSIONS.map(async (version) => {
      const result = await probeTls({
        ...options,
        minVersion: version,
        maxVersion: version,
        ciphers: LEGACY_CIPHERS,
      });
      return [version, protocolOutcome(version, result)] as const;
    }),
  );
  return Object.fromEntries(entries) as ProtocolOutcomes;
}

/**
 * Interprets one single-version handshake. A completed handshake with that version is
 * `accepted`. A handshake the server ended (alert, closed connection, or a reply with another
 * version) is `rejected`. No TCP connection, no response in time, or a version the local
 * OpenSSL cannot offer is `unknown`.
 */
export function protocolOutcome(version: TlsVersion, result: TlsProbeResult): ProtocolOutcome {
  switch (result.kind) {
    case 'connected':
      return result.protocol === version ? 'accepted' : 'rejected';
    case 'handshake-failed':
      // The local OpenSSL raises ERR_SSL_NO_PROTOCOLS_AVAILABLE before anything is sent,
      // so it shows nothing about the server.
      if (result.timedOut || result.code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') return 'unknown';
      return 'rejected';
    case 'unreachable':
      return 'unknown';
  }
}

import { connect } from 'node:tls';

export interface HandshakeResult {
  ok: boolean;
  protocol?: string;
  fingerprint256?: string;
  error?: string;
}

/**
 * Makes one TLS handshake from the controller. `version` pins both the minimum and
 * the maximum protocol. For TLS 1.0 and 1.1 the ciphers are opened to security
 * level 0, because OpenSSL 3's defaults refuse them on the client side, and such a
 * refusal would prove nothing about the server.
 */
export function handshake(address: string, port: number, servername: string, version?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3', timeoutMs = 5000): Promise<HandshakeResult> {
  const legacy = version === 'TLSv1' || version === 'TLSv1.1';
  return new Promise((done) => {
    const socket = connect({
      host: address,
      port,
      servername,
      rejectUnauthorized: false,
      ...(version ? { minVersion: version, maxVersion: version } : {}),
      ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const result = { ok: true, protocol: socket.getProtocol() ?? undefined, fingerprint256: socket.getPeerX509Certificate()?.fingerprint256 };
      socket.destroy();
      done(result);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done({ ok: false, error: 'ETIMEDOUT' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, error: error.code ?? error.message }));
  });
}

/**
 * Retries a handshake until it succeeds or `timeoutMs` passes, for a host that is
 * still booting: its unit starts after sshd is up. Returns the last result.
 */
export async function handshakeWhenUp(address: string, port: number, servername: string, timeoutMs = 15000): Promise<HandshakeResult> {
  const deadline = Date.now() + timeoutMs;
  let result = await handshake(address, port, servername);
  while (!result.ok && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 500));
    result = await handshake(address, port, servername);
  }
  return result;
}

import { connect as tlsConnect } from 'node:tls';
import { OperationError, VerificationError } from '../errors.js';
import type { RemoteHost } from '../ssh/exec-result.js';
import { shellQuote } from '../ssh/shell-quote.js';

/**
 * Python snippet run on the host: one TLS handshake with 127.0.0.1 (then ::1) on
 * the port, with SNI. It prints the negotiated protocol, or exits non-zero.
 */
const LOCAL_HANDSHAKE = [
  'import socket, ssl, sys',
  'port, name = int(sys.argv[1]), sys.argv[2]',
  'ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)',
  'ctx.check_hostname = False',
  'ctx.verify_mode = ssl.CERT_NONE',
  'for address in ("127.0.0.1", "::1"):',
  '    try:',
  '        with socket.create_connection((address, port), timeout=3) as raw:',
  '            with ctx.wrap_socket(raw, server_hostname=name) as tls:',
  '                print(tls.version()); sys.exit(0)',
  '    except (OSError, ssl.SSLError) as error:',
  '        last = error',
  'print(last, file=sys.stderr); sys.exit(1)',
].join('\n');

/**
 * Waits until the unit is active and the port answers TLS on the host itself.
 * On time-out it fails with the last lines of the unit's journal.
 */
export async function waitUntilServing(
  host: RemoteHost,
  unitName: string,
  port: number,
  domain: string,
  timeoutSeconds: number,
): Promise<string> {
  const unit = shellQuote(`${unitName}.service`);
  const script = [
    `end=$(( $(date +%s) + ${timeoutSeconds} ))`,
    'while :; do',
    `  state=$(systemctl is-active ${unit} 2>/dev/null)`,
    `  if [ "$state" = active ] && out=$(python3 -c ${shellQuote(LOCAL_HANDSHAKE)} ${port} ${shellQuote(domain)} 2>&1); then echo "$out"; exit 0; fi`,
    '  if [ "$(date +%s)" -ge "$end" ]; then echo "unit $state; TLS: $out"; exit 1; fi',
    '  sleep 1',
    'done',
  ].join('\n');
  const result = await host.exec(script, { timeoutMs: (timeoutSeconds + 30) * 1000 });
  if (result.exitCode === 0) return result.stdout.trim();

  const journal = await host.exec(`journalctl -u ${unit} -n 30 --no-pager -o cat 2>&1`, { sudo: true });
  throw new OperationError(
    `${unitName} did not serve TLS on port ${port} within ${timeoutSeconds} s (${result.stdout.trim() || result.stderr.trim()}).\n` +
      `Last lines of journalctl -u ${unitName}:\n${journal.stdout.trimEnd()}`,
    { host: host.name, hint: `Fix the cause above, then rerun; "journalctl -u ${unitName}" on the host shows more.` },
  );
}

export interface ServedCertificate {
  fingerprint256: string;
  protocol: string;
}

/** Connects from the controller to address:port with SNI and returns the leaf the server presents. */
export function fetchServedCertificate(address: string, port: number, servername: string, timeoutMs = 10000): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: address, port, servername, rejectUnauthorized: false, timeout: timeoutMs });
    socket.once('secureConnect', () => {
      const leaf = socket.getPeerX509Certificate();
      const protocol = socket.getProtocol() ?? 'unknown';
      socket.end();
      if (!leaf) reject(new VerificationError(`${address}:${port} sent no certificate.`));
      else resolve({ fingerprint256: leaf.fingerprint256, protocol });
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new VerificationError(`TLS handshake with ${address}:${port} timed out after ${timeoutMs} ms.`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      reject(new VerificationError(`TLS handshake with ${address}:${port} failed: ${error.code ?? error.message}.`, { cause: error }));
    });
  });
}

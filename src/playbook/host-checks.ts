import { connect as tlsConnect } from 'node:tls';
import { OperationError, VerificationError } from '../errors.js';
import type { RemoteHost } from '../ssh/exec-result.js';
import { shellQuote } from '../ssh/shell-quote.js';

/**
 * Python snippet run on the host: one TLS handshake with 127.0.0.1 (then ::1) with
 * SNI, printing the protocol and the sha256 fingerprint of the served leaf in
 * Node's `AB:CD:...` form, or the errors and exit status 1.
 */
const LOCAL_HANDSHAKE = [
  'import hashlib, socket, ssl, sys',
  'port, name = int(sys.argv[1]), sys.argv[2]',
  'ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)',
  'ctx.check_hostname = False',
  'ctx.verify_mode = ssl.CERT_NONE',
  'errors = []',
  'for address in ("127.0.0.1", "::1"):',
  '    try:',
  '        with socket.create_connection((address, port), timeout=5) as raw:',
  '            with ctx.wrap_socket(raw, server_hostname=name) as tls:',
  '                digest = hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest().upper()',
  '                print(tls.version(), ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))); sys.exit(0)',
  '    except (OSError, ssl.SSLError) as error:',
  '        errors.append("%s: %s" % (address, error))',
  'print("; ".join(errors)); sys.exit(1)',
].join('\n');

/**
 * Waits until the unit is active and the port completes a TLS handshake on the host itself.
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
    '  out=""',
    `  state=$(systemctl is-active ${unit} 2>/dev/null)`,
    `  if [ "$state" = active ] && out=$(python3 -c ${shellQuote(LOCAL_HANDSHAKE)} ${port} ${shellQuote(domain)} 2>&1); then echo "$out"; exit 0; fi`,
    '  if [ "$(date +%s)" -ge "$end" ]; then',
    // "activating" alone hides a crash loop: the restart count and the last exit status show it.
    `    restarts=$(systemctl show -p NRestarts --value ${unit} 2>/dev/null)`,
    `    status=$(systemctl show -p ExecMainStatus --value ${unit} 2>/dev/null)`,
    '    echo "the unit is $state, restarted ${restarts:-0} times, last exit status ${status:-unknown}${out:+; TLS handshake: $out}"',
    '    exit 1',
    '  fi',
    '  sleep 1',
    'done',
  ].join('\n');
  const result = await host.exec(script, { timeoutMs: (timeoutSeconds + 30) * 1000 });
  // The snippet prints "PROTOCOL FINGERPRINT"; the protocol is what the step reports.
  if (result.exitCode === 0) return result.stdout.trim().split(' ')[0] ?? 'TLS';

  // The last run of the unit only: a crash loop would otherwise repeat the same traceback.
  const journal = await host.exec(
    [
      `id=$(systemctl show -p InvocationID --value ${unit})`,
      'lines=$([ -n "$id" ] && journalctl _SYSTEMD_INVOCATION_ID="$id" -n 20 --no-pager -o cat 2>/dev/null)',
      `if [ -n "$lines" ]; then echo "$lines"; else journalctl -u ${unit} -n 20 --no-pager -o cat 2>&1; fi`,
    ].join('\n'),
    { sudo: true },
  );
  const lines = journal.stdout.trimEnd() || '(no journal lines)';
  throw new OperationError(
    `${unitName} did not serve TLS on port ${port} within ${timeoutSeconds} s (${result.stdout.trim() || result.stderr.trim()}).\n` +
      `Last lines of journalctl -u ${unitName}:\n${lines}`,
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

export interface OnHostCheck {
  ok: boolean;
  detail: string;
  servedFingerprint?: string;
  component?: 'app' | 'certificate-files' | 'unit';
}

/**
 * Repeats the TLS check on the host itself, against 127.0.0.1:PORT with the same
 * SNI. When that fails, it finds out whether the unit, the certificate files or the app is at fault.
 */
export async function checkOnHost(host: RemoteHost, name: string, port: number, unitName: string, sslDir: string): Promise<OnHostCheck> {
  const handshakeResult = await host.exec(`python3 -c ${shellQuote(LOCAL_HANDSHAKE)} ${port} ${shellQuote(name)}`, { timeoutMs: 30_000 });
  if (handshakeResult.exitCode === 0) {
    const [protocol, fingerprint] = handshakeResult.stdout.trim().split(' ');
    return { ok: true, detail: `127.0.0.1:${port} on the host answers ${protocol} with SNI ${name}`, servedFingerprint: fingerprint };
  }
  const failure = handshakeResult.stdout.trim() || handshakeResult.stderr.trim();

  const unit = shellQuote(`${unitName}.service`);
  const state = (await host.exec(`systemctl is-active ${unit}`)).stdout.trim();
  if (state !== 'active') {
    const journal = await host.exec(`journalctl -u ${unit} -n 5 --no-pager -o cat 2>&1`, { sudo: true });
    const lastLine = journal.stdout.trim().split('\n').pop() ?? '';
    return { ok: false, component: 'unit', detail: `${unitName} is ${state || 'unknown'} (last journal line: ${lastLine})` };
  }
  const ssl = shellQuote(sslDir);
  const files = await host.exec(`for f in ${ssl}/cert.pem ${ssl}/cert.key; do [ -s "$f" ] || echo "$f is missing or empty"; done`, { sudo: true });
  if (files.stdout.trim() !== '') return { ok: false, component: 'certificate-files', detail: files.stdout.trim().replace(/\n/g, '; ') };
  return { ok: false, component: 'app', detail: `${unitName} is active but TLS on 127.0.0.1:${port} fails (${failure})` };
}

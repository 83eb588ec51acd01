/**
 * `certfleet verify NAME`: resolves the name and proves that every address behind it
 * serves the expected certificate correctly. Prints a table or JSON on stdout, logs on
 * stderr. Exit code 0 means every address passed, 1 that an address failed, was
 * unreachable or did not match the inventory (or DNS failed), 2 invalid input, and 3
 * that the only problems are certificates expiring within --warn-days.
 */
import type { X509Certificate } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_WARN_DAYS, loadTrustStore, readCertificateFile } from '../certs/index.js';
import { InputError, VerificationError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import { createLogger, type Logger } from '../log.js';
import { renderVerifyJson, renderVerifyTable } from '../report/verify-report.js';
import type { DiagnoseHost, VerifyReport } from '../verify/types.js';
import { verifyName } from '../verify/verify-name.js';
import { addConnectionOptions, collectValues, type ConnectionOptions } from './host-options.js';
import { logLevelOption } from './log-level.js';

/** Exit code when no address failed but a certificate expires within the warning threshold. */
export const EXIT_EXPIRY_WARNING = 3;

/** Exit code for invalid options or arguments; certfleet uses it for every invalid input. */
const EXIT_INVALID_INPUT = 2;

export interface VerifyCliOptions extends ConnectionOptions {
  inventory?: string;
  unit: string;
  port: number;
  ca?: string[];
  dnsServer?: string;
  expectCert?: string;
  warnDays: number;
  httpRedirect?: boolean;
  path: string;
  expectBody?: string;
  json?: boolean;
  timeout: number;
  logLevel: string;
}

export interface VerifyCommandDeps {
  /** Builds the on-host check run over SSH for inventory hosts behind failing addresses; without it, no diagnosis. */
  createDiagnose?: (logger: Logger, options: VerifyCliOptions) => DiagnoseHost;
  /** Receives the results; defaults to writing to stdout. */
  write?: (text: string) => void;
}

/** Creates the `verify` command, to be added with `program.addCommand(verifyCommand())`. */
export function verifyCommand(deps: VerifyCommandDeps = {}): Command {
  const command = new Command('verify')
    .description('resolve NAME and check that every address behind it serves the certificate: chain, name, expiry, TLS versions and the app')
    .argument('<name>', 'DNS name to verify, sent as SNI and Host')
    .option('-i, --inventory <file>', 'inventory YAML file: report DNS addresses without a host and hosts missing from DNS')
    .addOption(new Option('--port <port>', 'HTTPS port checked at every address').default(443).argParser(parsePort))
    .option('--ca <file>', 'extra trusted CA certificate file, added to the system trust store (repeatable)', collectValues)
    .option('--dns-server <address[:port]>', 'DNS server to ask instead of the system resolver; IPv6 in brackets with a port, e.g. [::1]:5353')
    .option('--expect-cert <file>', 'certificate every address must serve, compared by SHA-256 fingerprint (PEM or DER; may also contain the chain)')
    .addOption(
      new Option('--warn-days <days>', 'warn when a served certificate has fewer than this many days left').default(DEFAULT_WARN_DAYS).argParser(parseWarnDays),
    )
    .option('--http-redirect', 'also require port 80 to redirect to https://NAME/...')
    .option('--path <path>', 'URL path requested over HTTPS (expects a 2xx status) and on port 80', '/')
    .option('--expect-body <text>', 'text the HTTPS response body must contain')
    .option('--json', 'print a JSON report on stdout instead of the table')
    .addOption(new Option('--timeout <seconds>', 'time allowed for each connect, TLS handshake, HTTP request and DNS query').default(5).argParser(parseTimeout))
    .addOption(logLevelOption())
    .option('--unit <name>', 'systemd unit of the app, checked on the host when an address fails (with --inventory)', 'certfleet-app')
    .addHelpText(
      'after',
      [
        '',
        'Exit code: 0 when every address passes; 1 when an address fails, is unreachable',
        'or does not match the inventory, or DNS fails; 2 for invalid input; and',
        `${EXIT_EXPIRY_WARNING} when the only problems are certificates expiring within --warn-days.`,
      ].join('\n'),
    )
    // Commander exits with 1 on a usage error, which here would read as "an address failed".
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_INVALID_INPUT))
    .action(async (name: string, options: VerifyCliOptions) => {
      process.exitCode = await runVerify(name, options, deps);
    });
  // With --inventory, a failing address is checked again on its host over SSH.
  return addConnectionOptions(command);
}

/** Maps a report to the command's exit code: 0 all passed, EXIT_EXPIRY_WARNING only warnings, 1 otherwise. */
export function verifyExitCode(report: VerifyReport): number {
  if (report.passed) return 0;
  const onlyWarnings = report.addresses.every((row) => row.result === 'pass' || row.result === 'warn');
  return onlyWarnings ? EXIT_EXPIRY_WARNING : 1;
}

async function runVerify(name: string, options: VerifyCliOptions, deps: VerifyCommandDeps): Promise<number> {
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  const logger = createLogger(options.logLevel);

  const inventory = options.inventory === undefined ? undefined : await loadInventory(options.inventory);
  const trustStore = await loadTrustStore({ caPaths: options.ca ?? [] });
  for (const warning of trustStore.warnings) logger.warn(warning);
  const expectedCertificate = options.expectCert === undefined ? undefined : await readExpectedCertificate(options.expectCert);

  let report: VerifyReport;
  try {
    report = await verifyName(
      {
        name,
        port: options.port,
        expectedCertificate,
        trustStore,
        dnsServer: options.dnsServer,
        warnDays: options.warnDays,
        httpRedirect: options.httpRedirect ?? false,
        path: options.path,
        expectBody: options.expectBody,
        inventory,
        timeoutMs: options.timeout * 1000,
      },
      { logger, diagnose: inventory ? deps.createDiagnose?.(logger, options) : undefined },
    );
  } catch (error) {
    // DNS failures and names without records fail the verification like a failing address,
    // so that monitoring gets exit code 1 and, with --json, a report it can parse.
    if (!(error instanceof VerificationError)) throw error;
    logger.error({ err: error, name }, 'Verification failed');
    if (options.json) write(`${JSON.stringify({ name, port: options.port, passed: false, error: error.message }, null, 2)}\n`);
    else write(`${name}: verification failed: ${error.message}\n`);
    return 1;
  }

  write(options.json ? renderVerifyJson(report) : renderVerifyTable(report));
  return verifyExitCode(report);
}

/**
 * Reads the certificate given with --expect-cert. In a file with a chain, the leaf is the
 * one certificate that is not a CA. A file with a single certificate is taken as it is.
 */
async function readExpectedCertificate(path: string): Promise<X509Certificate> {
  const contents = await readCertificateFile(path);
  const leaves = contents.certificates.filter((certificate) => !certificate.ca);
  let leaf: X509Certificate | undefined;
  if (leaves.length === 1) leaf = leaves[0];
  else if (contents.certificates.length === 1) leaf = contents.certificates[0];

  if (leaf === undefined) {
    throw new InputError(
      `--expect-cert must contain one leaf certificate, but it has ${contents.certificates.length} certificate(s) of which ${leaves.length} are not CA certificates.`,
      { file: path, hint: 'Pass the file of the certificate the servers should serve.' },
    );
  }
  return leaf;
}


function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('Expected a port number from 1 to 65535, e.g. --port 443.');
  }
  return port;
}

function parseWarnDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(days)) {
    throw new InvalidArgumentError('Expected a whole number of days, 0 or more, e.g. --warn-days 30.');
  }
  return days;
}

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('Expected a positive number of seconds, e.g. --timeout 5 or --timeout 0.5.');
  }
  return seconds;
}

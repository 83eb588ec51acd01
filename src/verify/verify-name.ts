import { createSecureContext } from 'node:tls';
import { loadTrustStore } from '../certs/index.js';
import { InputError, VerificationError } from '../errors.js';
import type { HostSpec } from '../inventory/types.js';
import { type Logger, silentLogger } from '../log.js';
import { summarizeChecks } from './address-result.js';
import { crossCheckInventory, expectedAddressOf, type CrossCheckResult, type ExpectedHostAddresses } from './cross-check.js';
import { diagnosisFailed, interpretDiagnosis } from './diagnosis.js';
import { canonicalIpAddress } from './ip-address.js';
import { createNameResolver, parseDnsServer, type NameResolver } from './resolve.js';
import type { AddressReport, Checks, DiagnoseHost, Diagnosis, VerifyReport } from './types.js';
import { verifyAddress, type AddressCheckOptions, type AddressProbe } from './verify-address.js';
import { validateOptions, type Settings, type VerifyNameOptions } from './verify-options.js';

export type { VerifyNameOptions } from './verify-options.js';

export interface VerifyNameDeps {
  logger?: Logger;
  /** On-host check run over SSH for each inventory host behind a failing address. */
  diagnose?: DiagnoseHost;
  /** Replaces the DNS lookups, for callers that already know the addresses. */
  resolver?: NameResolver;
}

/**
 * Resolves all A and AAAA records of a name and verifies every address concurrently:
 * the served certificate, its chain, name and validity, the TLS protocol policy and the
 * app's HTTPS response. With an inventory, it also reports addresses no host has and hosts
 * missing from DNS, and runs `deps.diagnose` for the hosts behind failing addresses.
 * Returns the report. Throws InputError for invalid options, and VerificationError when
 * DNS fails or returns no address. One failing address never stops the others.
 */
export async function verifyName(options: VerifyNameOptions, deps: VerifyNameDeps = {}): Promise<VerifyReport> {
  const settings = validateOptions(options);
  const logger = deps.logger ?? silentLogger();
  const dnsServer = options.dnsServer === undefined ? undefined : parseDnsServer(options.dnsServer);
  const resolver = deps.resolver ?? createNameResolver({ dnsServer, timeoutMs: settings.timeoutMs });
  const now = options.now ?? new Date();

  const trustStore = options.trustStore ?? (await loadTrustStore());
  if (trustStore.anchors.length === 0) {
    throw new InputError('the trust store is empty, so no chain can validate. Give a CA file, or install the system CA bundle');
  }
  const trust = createSecureContext({ ca: trustStore.anchors.map((anchor) => anchor.certificate.toString()) });

  logger.debug({ name: settings.name, dnsServer: resolver.description }, `resolving ${settings.name} at ${resolver.description}`);
  const resolved = await resolver.resolve(settings.name);
  const addresses = [...resolved.a, ...resolved.aaaa];
  if (addresses.length === 0) {
    throw new VerificationError(`${settings.name} has no A or AAAA records at ${resolver.description}`, {
      hint: 'Check the name and the DNS server, or wait until new records have propagated.',
    });
  }
  logger.info({ name: settings.name, addresses }, `${settings.name} resolves to ${addresses.join(', ')}; checking each address`);

  const crossCheck = options.inventory
    ? crossCheckInventory(settings.name, addresses, await expectedHostAddresses(options.inventory.hosts, resolver, logger))
    : undefined;

  const checkOptions: AddressCheckOptions = {
    ...settings,
    trust,
    expectedCertificate: options.expectedCertificate,
    now,
  };

  const rows = await Promise.all(
    addresses.map(async (address) => {
      const probe = await probeAddress(address, checkOptions, logger);
      const hosts = crossCheck?.hostsByAddress.get(address) ?? [];
      const row = buildRow(probe, hosts, crossCheck);
      if ((row.result === 'fail' || row.result === 'unreachable') && hosts.length > 0 && deps.diagnose) {
        row.diagnoses = await diagnoseHosts(hosts, probe, settings, deps.diagnose, logger);
      }
      return row;
    }),
  );

  if (!options.expectedCertificate) compareServedCertificates(settings.name, rows);

  for (const missing of crossCheck?.missingFromDns ?? []) {
    rows.push({
      address: missing.expected,
      hosts: [missing.host.name],
      result: 'not-in-dns',
      problems: [`inventory: ${missing.problem}`],
      checks: { inventory: { status: 'fail', detail: missing.problem } },
    });
  }

  const report: VerifyReport = {
    name: settings.name,
    port: settings.port,
    dnsServer: dnsServer?.server,
    checkedAt: now.toISOString(),
    warnDays: settings.warnDays,
    expectedFingerprint: options.expectedCertificate?.fingerprint256,
    resolvedAddresses: addresses,
    addresses: rows,
    passed: rows.every((row) => row.result === 'pass'),
  };
  const failing = rows.filter((row) => row.result !== 'pass').length;
  logger.info({ name: settings.name, passed: report.passed }, `checked ${rows.length} address(es) of ${settings.name}: ${failing === 0 ? 'all pass' : `${failing} not passing`}`);
  return report;
}

/** Finds the addresses each host is expected at, resolving host names with the same resolver as the name. */
async function expectedHostAddresses(hosts: HostSpec[], resolver: NameResolver, logger: Logger): Promise<ExpectedHostAddresses[]> {
  return Promise.all(
    hosts.map(async (host): Promise<ExpectedHostAddresses> => {
      const expected = expectedAddressOf(host);
      const ip = canonicalIpAddress(expected);
      if (ip !== undefined) return { host, expected, addresses: [ip] };

      try {
        const resolved = await resolver.resolve(expected);
        return { host, expected, addresses: [...resolved.a, ...resolved.aaaa] };
      } catch (error) {
        logger.warn({ err: error, host: host.name, address: expected }, 'Resolving inventory host address failed');
        return { host, expected, addresses: [], resolveError: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

async function probeAddress(address: string, options: AddressCheckOptions, logger: Logger): Promise<AddressProbe> {
  const addressLogger = logger.child({ address });
  addressLogger.debug('Probing address');
  try {
    const probe = await verifyAddress(address, options);
    addressLogger.debug({ servedFingerprint: probe.servedFingerprint }, 'Probed address');
    return probe;
  } catch (error) {
    // verifyAddress returns failures as check results, so this is a bug. Report it on this
    // address only, so that the other addresses are still checked.
    addressLogger.error({ err: error }, 'Probe failed unexpectedly');
    const reason = error instanceof Error ? error.message : String(error);
    return { address, checks: { handshake: { status: 'fail', detail: `internal error while probing: ${reason}` } } };
  }
}

/**
 * Without an expected certificate, the addresses are compared with each other: the
 * classic failure behind one name is a server that still serves the old certificate.
 * The certificate most addresses serve is taken as the right one, so an address
 * serving another fails. On a tie, every address that completed a handshake fails.
 */
function compareServedCertificates(name: string, rows: AddressReport[]): void {
  const served = rows.filter((row) => row.servedFingerprint !== undefined);
  const counts = new Map<string, string[]>();
  for (const row of served) counts.set(row.servedFingerprint!, [...(counts.get(row.servedFingerprint!) ?? []), row.address]);
  if (counts.size < 2) return;

  const ranked = [...counts.entries()].sort((left, right) => right[1].length - left[1].length);
  const majority = ranked[0]![1].length > ranked[1]![1].length ? ranked[0]![0] : undefined;
  const summary = ranked.map(([fingerprint, addresses]) => `${fingerprint.slice(0, 23)}… at ${addresses.join(', ')}`).join('; ');
  for (const row of served) {
    const odd = majority === undefined || row.servedFingerprint !== majority;
    row.checks['same-certificate'] = odd
      ? { status: 'fail', detail: `the addresses behind ${name} serve ${counts.size} different certificates (${summary}). Deploy the same certificate everywhere, or give --expect-cert to name the right one` }
      : { status: 'pass', detail: `served by most addresses (${summary})` };
    const { result, problems } = summarizeChecks(row.checks, row.unreachable !== undefined);
    row.result = result;
    row.problems = problems;
  }
}

function buildRow(probe: AddressProbe, hosts: HostSpec[], crossCheck: CrossCheckResult | undefined): AddressReport {
  const checks: Checks = { ...probe.checks };
  if (crossCheck && hosts.length > 0) {
    checks.inventory = { status: 'pass', detail: `inventory host ${hosts.map((host) => host.name).join(', ')}` };
  } else if (crossCheck) {
    checks.inventory = {
      status: 'fail',
      detail: 'no inventory host has this address as public_address or address. Add the host to the inventory, or remove the DNS record',
    };
  }

  const { result, problems } = summarizeChecks(checks, probe.unreachable !== undefined);
  return {
    address: probe.address,
    hosts: hosts.map((host) => host.name),
    result,
    servedFingerprint: probe.servedFingerprint,
    validTo: probe.validTo,
    daysLeft: probe.daysLeft,
    protocols: probe.protocols,
    problems,
    checks,
    unreachable: probe.unreachable,
  };
}

async function diagnoseHosts(
  hosts: HostSpec[],
  probe: AddressProbe,
  settings: Settings,
  diagnose: DiagnoseHost,
  logger: Logger,
): Promise<Diagnosis[]> {
  const outside = { port: settings.port, unreachable: probe.unreachable, servedFingerprint: probe.servedFingerprint };
  return Promise.all(
    hosts.map(async (host) => {
      const hostLogger = logger.child({ host: host.name, address: probe.address });
      hostLogger.info('Running on-host check');
      try {
        const inside = await diagnose(host, settings.name, settings.port);
        const diagnosis = interpretDiagnosis(host.name, outside, inside);
        hostLogger.info({ verdict: diagnosis.verdict, ok: inside.ok }, 'Finished on-host check');
        return diagnosis;
      } catch (error) {
        hostLogger.error({ err: error }, 'On-host check failed');
        return diagnosisFailed(host.name, error);
      }
    }),
  );
}

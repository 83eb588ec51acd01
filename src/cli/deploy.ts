import { Command, Option } from 'commander';
import { checkCertificateFiles } from '../certs/check.js';
import { loadTrustStore, readCertificateFile } from '../certs/index.js';
import { InputError, VerificationError } from '../errors.js';
import type { HostSpec } from '../inventory/types.js';
import { createLogger, type Logger } from '../log.js';
import type { Playbook } from '../playbook/schema.js';
import { renderVerifyTable } from '../report/verify-report.js';
import type { DnsVerification } from '../report/deploy-report.js';
import { verifyName } from '../verify/verify-name.js';
import { sshDiagnose } from './diagnose.js';
import { buildDesiredState } from '../playbook/desired.js';
import { loadPlaybook } from '../playbook/load.js';
import { runPlaybook } from '../playbook/run.js';
import { deployJson, formatDeployTable, formatPlannedActions } from '../report/deploy-report.js';
import { addHostOptions, collectValues, connector, selectHosts, type ConnectionOptions, type HostSelectionOptions } from './host-options.js';
import { logLevelOption } from './log-level.js';

interface DeployOptions extends HostSelectionOptions, ConnectionOptions {
  cert?: string;
  key?: string;
  domain?: string[];
  ca?: string[];
  warnDays: number;
  check?: boolean;
  json?: boolean;
  parallel: number;
  logLevel: string;
  verifyDns?: boolean;
  dnsServer?: string;
  replaceApp?: boolean;
}


export function deployCommand(): Command {
  const command = new Command('deploy')
    .description('put a TLS certificate in front of a Flask app on every host, then verify each host')
    .argument('[playbook]', 'playbook YAML file (default: the built-in flask-tls playbook)')
    .option('--cert <file>', 'certificate chain, PEM or DER, leaf first or in any order')
    .option('--key <file>', `private key of the certificate (an encrypted key needs CERTFLEET_KEY_PASSPHRASE)`)
    .option('--domain <name>', 'name the app is served under, sent as SNI when verifying (repeatable: all must be covered)', collectValues)
    .option('--ca <file>', 'extra trusted CA certificate(s), PEM (repeatable)', collectValues)
    .addOption(new Option('--warn-days <days>', 'warn when the certificate expires within this many days').default(30).argParser(Number))
    .option('--check', 'plan only: gather facts, print the commands, change nothing')
    .option('--json', 'print a JSON report on stdout instead of the table')
    .addOption(new Option('--parallel <count>', 'hosts worked on at once').default(10).argParser(Number))
    .option('--replace-app', 'replace an app that a different playbook or app setting deployed on a host')
    .option('--verify-dns', 'after the last host, also verify every address the domain resolves to (as certfleet verify does)')
    .option('--dns-server <address[:port]>', 'DNS server for --verify-dns instead of the system resolver')
    .addOption(logLevelOption());
  addHostOptions(command);
  command.action(async (playbookFile: string | undefined, options: DeployOptions) => {
    process.exitCode = await runDeploy(playbookFile, options);
  });
  return command;
}

async function runDeploy(playbookFile: string | undefined, options: DeployOptions): Promise<number> {
  const logger = createLogger(options.logLevel);
  for (const [name, value] of [['--cert', options.cert], ['--key', options.key]] as const) {
    if (!value) throw new InputError(`${name} is required.`, { hint: 'Give --cert FILE --key FILE --domain NAME.' });
  }
  if (!options.domain || options.domain.length === 0) throw new InputError('--domain is required.', { hint: 'Give the name the app is served under, such as --domain app.example.com.' });
  if (!(options.parallel >= 1)) throw new InputError(`invalid --parallel ${options.parallel}: expected a whole number of at least 1.`);

  // Everything on the controller is checked before any host is contacted.
  const playbook = await loadPlaybook(playbookFile);
  const hosts = await selectHosts(options);
  const checked = await checkCertificateFiles({
    certPath: options.cert!,
    keyPath: options.key!,
    domains: options.domain,
    caPaths: options.ca,
    warnDays: options.warnDays,
    keyPassphrase: process.env.CERTFLEET_KEY_PASSPHRASE,
  });
  for (const repair of checked.repairs) logger.info(`certificate input repaired: ${repair}`);
  for (const warning of checked.warnings) logger.warn(warning);
  const { desired, skippedAppEntries } = await buildDesiredState(playbook, options.domain[0]!, { chainPem: checked.chainPem, keyPem: checked.keyPem, fingerprint256: checked.leaf.fingerprint256 }, options.replaceApp ?? false);
  for (const skipped of skippedAppEntries) logger.warn(`not uploaded from the app folder: ${skipped}`);

  logger.info({ hosts: hosts.length, playbook: playbook.file, check: options.check ?? false }, `${options.check ? 'planning' : 'deploying'} ${playbook.name} on ${hosts.length} host(s)`);
  const results = await runPlaybook({
    hosts,
    playbook,
    desired,
    check: options.check ?? false,
    parallel: options.parallel,
    logger,
    connect: connector(options, logger),
  });

  // Behind a load balancer or mid-rollout, the addresses in DNS are not the hosts just deployed,
  // so the check of every address behind the name runs only on request.
  const dns = options.verifyDns && !options.check ? await verifyDomain(options, hosts, checked.leaf.fingerprint256, playbook, logger) : undefined;

  if (options.json) {
    process.stdout.write(`${deployJson(results, options.check ?? false, dns)}\n`);
  } else {
    if (options.check) process.stdout.write(`${formatPlannedActions(results)}\n\n`);
    process.stdout.write(`${formatDeployTable(results, options.check ?? false)}\n`);
    if (dns?.report) process.stdout.write(renderVerifyTable(dns.report));
    if (dns?.error) process.stdout.write(`${options.domain[0]}: verification failed: ${dns.error}\n`);
  }
  const hostsOk = results.every((result) => result.status !== 'failed');
  return hostsOk && (dns === undefined || dns.report?.passed === true) ? 0 : 1;
}

async function verifyDomain(options: DeployOptions, hosts: HostSpec[], fingerprint256: string, playbook: Playbook, logger: Logger): Promise<DnsVerification> {
  const trustStore = await loadTrustStore({ caPaths: options.ca ?? [] });
  const name = options.domain![0]!;
  const expectedCertificate = (await readCertificateFile(options.cert!)).certificates.find((certificate) => certificate.fingerprint256 === fingerprint256);
  try {
    const report = await verifyName(
      {
        name,
        port: playbook.settings.port,
        expectedCertificate,
        trustStore,
        dnsServer: options.dnsServer,
        warnDays: options.warnDays,
        httpRedirect: playbook.settings.http_redirect,
        inventory: { hosts },
      },
      { logger, diagnose: sshDiagnose(options, logger, playbook.settings.unit, playbook.settings.ssl_dir) },
    );
    return { report };
  } catch (error) {
    // A DNS failure or a name without records fails the deploy like a failing address.
    if (!(error instanceof VerificationError)) throw error;
    logger.error(`verifying ${name} failed: ${error.message}`);
    return { error: error.message };
  }
}

/**
 * `certfleet check-cert`: runs the certificate check that starts every deploy, without
 * connecting anywhere. It prints a summary on stdout. When the check fails, it prints
 * one line per problem on stderr and sets exit code 1.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  CertificateCheckError,
  checkCertificateFiles,
  DEFAULT_WARN_DAYS,
  formatCheckedCertificate,
  formatProblem,
  KEY_PASSPHRASE_VARIABLE,
} from '../certs/index.js';
import { InputError } from '../errors.js';
import { collectValues } from './host-options.js';

interface CheckCertOptions {
  cert: string;
  key: string;
  domain: string[];
  /** Undefined when no --ca was given. */
  ca?: string[];
  warnDays: number;
}

/** Creates the `check-cert` command, to be added with `program.addCommand(checkCertCommand())`. */
export function checkCertCommand(): Command {
  return new Command('check-cert')
    .description(
      'check a TLS certificate, its chain and its private key without connecting anywhere: the same checks every deploy runs first',
    )
    .requiredOption('--cert <file>', 'certificate file, PEM or DER: the leaf, optionally with intermediates in any order')
    .requiredOption('--key <file>', 'private key file, PEM or DER (PKCS#8, PKCS#1 or SEC1); may be the same file as --cert')
    .requiredOption('--domain <name>', 'DNS name the certificate must cover (repeat for each name)', collectValues)
    .option('--ca <file>', 'extra trusted CA certificate file, added to the system trust store (repeatable)', collectValues)
    .option('--warn-days <days>', 'warn when a certificate expires within this many days', parseWarnDays, DEFAULT_WARN_DAYS)
    .addHelpText(
      'after',
      `\nAn encrypted key is decrypted in memory with the passphrase in ${KEY_PASSPHRASE_VARIABLE}.\nExit code 0 means the check passed, possibly with warnings; 1 means it failed.\n`,
    )
    .action(runCheckCert);
}

async function runCheckCert(options: CheckCertOptions): Promise<void> {
  try {
    const checked = await checkCertificateFiles({
      certPath: options.cert,
      keyPath: options.key,
      domains: options.domain,
      caPaths: options.ca,
      warnDays: options.warnDays,
      keyPassphrase: process.env[KEY_PASSPHRASE_VARIABLE],
    });
    process.stdout.write(formatCheckedCertificate(checked));
  } catch (error) {
    if (error instanceof CertificateCheckError) {
      for (const problem of error.problems) process.stderr.write(`error: ${formatProblem(problem)}\n`);
    } else if (error instanceof InputError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  }
}


function parseWarnDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(days)) {
    throw new InvalidArgumentError('Expected a whole number of days, 0 or more, e.g. --warn-days 30.');
  }
  return days;
}

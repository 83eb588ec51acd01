#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { deployCommand } from './cli/deploy.js';
import { checkCertCommand } from './cli/check-cert.js';
import { factsCommand } from './cli/facts.js';
import { sshDiagnose } from './cli/diagnose.js';
import { verifyCommand } from './cli/verify.js';
import { CertfleetError, describeError } from './errors.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('certfleet')
  .description('Put a TLS certificate in front of a Flask app on a fleet of Linux servers over SSH, and prove every server serves it.')
  .version(packageJson.version)
  .showHelpAfterError()
  .addCommand(deployCommand())
  .addCommand(factsCommand())
  .addCommand(checkCertCommand())
  .addCommand(
    verifyCommand({
      createDiagnose: (logger, options) => sshDiagnose(options, logger, options.unit, '/ssl'),
    }),
  );

// A usage error (unknown option, invalid choice) is invalid input like any other: exit code 2.
for (const command of [program, ...program.commands]) {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Input errors are expected: one line, no stack. Anything else is a bug and keeps its stack.
  if (error instanceof CertfleetError) {
    process.stderr.write(`certfleet: ${describeError(error)}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`certfleet: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  }
}

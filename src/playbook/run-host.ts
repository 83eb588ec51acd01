import { randomBytes } from 'node:crypto';
import { CertfleetError, describeError, OperationError, reasonOf, VerificationError } from '../errors.js';
import { HOST_FACTS_SCRIPT, parseHostFacts, type HostFacts } from '../facts/host-facts.js';
import type { HostSpec } from '../inventory/types.js';
import type { Logger } from '../log.js';
import type { DesiredState } from '../operations/desired-state.js';
import { REPORT_PREFIX, type Action, type Plan, type PlanContext } from '../operations/types.js';
import type { RemoteHost } from '../ssh/exec-result.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { isSudoRejection } from '../ssh/sudo.js';
import { fetchServedCertificate, waitUntilServing } from './host-checks.js';
import { OPERATIONS } from './operations.js';
import type { HostResult, StepResult } from './results.js';
import type { Playbook, PlaybookStep } from './schema.js';

export interface RunHostOptions {
  playbook: Playbook;
  desired: DesiredState;
  /** Plan only: print the actions, change nothing. */
  check: boolean;
  logger: Logger;
}

/** Gathers the host facts in one round trip. */
export async function gatherFacts(host: RemoteHost): Promise<HostFacts> {
  const result = await host.exec(HOST_FACTS_SCRIPT);
  if (result.exitCode !== 0) {
    throw new OperationError(`gathering facts failed with exit code ${result.exitCode}: ${result.stderr.trim()}`, { host: host.name, command: 'facts script', exitCode: result.exitCode, stderr: result.stderr });
  }
  return parseHostFacts(result.stdout);
}

/** Fails early, with the fix, when the host cannot run this playbook at all. */
export function assertPrerequisites(facts: HostFacts, host: HostSpec): void {
  if (facts.sudo === 'denied') {
    throw new OperationError(
      `user ${facts.loginUser} cannot run commands as root with "sudo -n" (sudo output: ${facts.sudoMessage ?? 'none'}).`,
      { host: host.name, hint: `Give ${facts.loginUser} passwordless sudo, e.g. "${facts.loginUser} ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/${facts.loginUser}, or log in as a user who has it.` },
    );
  }
  if (!facts.systemd) {
    throw new OperationError('systemd is not running on the host (no /run/systemd/system), and certfleet runs the app as a systemd unit.', {
      host: host.name,
      hint: 'Use a host booted with systemd.',
    });
  }
}

function describeAction(action: Action, staging: string): string {
  if (action.kind === 'upload') {
    return `upload ${action.content.length} bytes to ${staging}/${action.path} (mode ${action.mode.toString(8).padStart(4, '0')}): ${action.description}`;
  }
  return `${action.sudo ? '[root] ' : ''}${action.command}`;
}

async function runAction(host: RemoteHost, action: Action, staging: string, log: Logger): Promise<void> {
  if (action.kind === 'upload') {
    await host.upload(`${staging}/${action.path}`, action.content, action.mode);
    return;
  }
  log.debug({ action: action.description }, 'running');
  const result = await host.exec(action.command, { sudo: action.sudo });
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith(REPORT_PREFIX)) log.info(line.slice(REPORT_PREFIX.length));
  }
  if (result.exitCode !== 0) {
    const stderr = result.stderr.trim();
    if (action.sudo && isSudoRejection(stderr)) {
      throw new OperationError(`sudo rejected "${action.description}": ${stderr}`, { host: host.name, hint: 'Give the login user passwordless sudo rights.' });
    }
    throw new OperationError(`"${action.description}" failed with exit code ${result.exitCode}: ${stderr || result.stdout.trim()}`, {
      host: host.name,
      command: action.command,
      exitCode: result.exitCode,
      stderr,
    });
  }
}

/** Runs every step of the playbook on one connected host and reports each one. A failure ends up in the result, not in an exception. */
export async function runHost(spec: HostSpec, host: RemoteHost, options: RunHostOptions): Promise<HostResult> {
  const log = options.logger.child({ host: spec.name });
  const steps: StepResult[] = [];
  const result: HostResult = { name: spec.name, address: spec.address, status: options.check ? 'planned' : 'ok', changed: 0, steps };
  let staging: string | undefined;
  let stagingCreated = false;

  try {
    log.debug('gathering facts');
    const facts = await gatherFacts(host);
    result.firewall = facts.firewall.active;
    log.info({ os: facts.os.prettyName, firewall: facts.firewall.active, python: facts.pythonVersion }, `facts: ${facts.os.prettyName}, firewall ${facts.firewall.active}`);
    assertPrerequisites(facts, spec);

    const stagingRoot = `${facts.home}/.cache/certfleet/staging`;
    staging = `${stagingRoot}/run-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    if (!options.check) {
      // Leftovers of an interrupted run are swept first; certfleet expects one run per host at a time.
      await runAction(host, { kind: 'command', sudo: true, command: `rm -rf ${shellQuote(stagingRoot)}/run-* ${shellQuote(options.desired.sslDir)}/releases/.tmp-* ${shellQuote(options.desired.appRoot)}/releases/.tmp-*`, description: 'sweep staging leftovers' }, staging, log);
      await runAction(host, { kind: 'command', sudo: false, command: `umask 077 && mkdir -p ${shellQuote(stagingRoot)} && mkdir -m 0700 ${shellQuote(staging)}`, description: 'make the private staging folder' }, staging, log);
      stagingCreated = true;
    }

    const changedSteps = new Set<string>();
    for (const step of options.playbook.steps) {
      const started = Date.now();
      const context: PlanContext = { facts, desired: options.desired, staging, changedSteps };
      try {
        const stepResult = await runStep(step, context, spec, host, options, log);
        stepResult.durationMs = Date.now() - started;
        steps.push(stepResult);
        if (stepResult.status === 'passed') log.info({ step: step.step }, `passed: ${stepResult.summary}`);
        if (stepResult.status === 'changed' || stepResult.status === 'planned') {
          changedSteps.add(step.step);
          result.changed++;
        }
        if (stepResult.step === 'verify-host' && stepResult.status === 'passed') {
          result.servedFingerprint256 = options.desired.leafFingerprint256;
        }
      } catch (error) {
        steps.push({ step: step.step, status: 'failed', summary: describeError(error), notes: [], durationMs: Date.now() - started });
        throw error;
      }
    }
  } catch (error) {
    result.status = 'failed';
    result.error = describeError(error);
    if (!(error instanceof CertfleetError)) log.error({ err: error }, 'unexpected error');
    log.error(`failed: ${reasonOf(error)}`);
  } finally {
    if (stagingCreated && staging) {
      await host.exec(`rm -rf ${shellQuote(staging)}`).catch((error: unknown) => log.warn({ err: describeError(error) }, `could not remove the staging folder ${staging}`));
    }
  }
  if (result.status !== 'failed') log.info({ changed: result.changed }, `${options.check ? 'planned' : 'done'}: ${result.changed} step(s) ${options.check ? 'would change' : 'changed'}`);
  return result;
}

async function runStep(step: PlaybookStep, context: PlanContext, spec: HostSpec, host: RemoteHost, options: RunHostOptions, log: Logger): Promise<StepResult> {
  const { desired } = options;
  if (step.step === 'wait-ready' || step.step === 'verify-host') {
    if (options.check) return { step: step.step, status: 'skipped', summary: 'skipped in --check mode', notes: [], durationMs: 0 };
    if (step.step === 'wait-ready') {
      const protocol = await waitUntilServing(host, desired.unitName, desired.port, desired.domain, step.timeout_seconds);
      return { step: step.step, status: 'passed', summary: `${desired.unitName} is active and port ${desired.port} answers ${protocol} on the host`, notes: [], durationMs: 0 };
    }
    const served = await fetchServedCertificate(spec.address, desired.port, desired.domain);
    if (served.fingerprint256 !== desired.leafFingerprint256) {
      throw new VerificationError(
        `${spec.address}:${desired.port} serves certificate ${served.fingerprint256} for ${desired.domain}, not the uploaded ${desired.leafFingerprint256}.`,
        { host: spec.name, hint: 'Something in front of the host (a proxy, NAT or another server on that address) may answer instead of the app.' },
      );
    }
    return { step: step.step, status: 'passed', summary: `${spec.address}:${desired.port} serves the uploaded certificate over ${served.protocol}`, notes: [], durationMs: 0 };
  }

  const operation = OPERATIONS[step.step];
  if (!operation) throw new OperationError(`no operation implements step ${step.step}.`);
  log.debug({ step: step.step }, 'planning');
  let state: unknown;
  if (operation.stateCommand) {
    const read = await host.exec(operation.stateCommand(context), { sudo: true });
    if (read.exitCode !== 0) {
      throw new OperationError(`reading the state for step ${step.step} failed with exit code ${read.exitCode}: ${read.stderr.trim()}`, { host: spec.name, exitCode: read.exitCode, stderr: read.stderr });
    }
    state = operation.parseState ? operation.parseState(read.stdout) : undefined;
  }
  let plan: Plan;
  try {
    plan = operation.plan(context, state);
  } catch (error) {
    if (error instanceof OperationError && !error.host) throw new OperationError(error.message, { host: spec.name, cause: error });
    throw error;
  }
  const notes = plan.notes ?? [];
  for (const note of notes) log.warn({ step: step.step }, note);
  if (!plan.changed) {
    log.info({ step: step.step }, `unchanged: ${plan.reason}`);
    return { step: step.step, status: 'unchanged', summary: plan.reason, notes, durationMs: 0 };
  }
  const plannedActions = plan.actions.map((action) => describeAction(action, context.staging));
  if (options.check) {
    return { step: step.step, status: 'planned', summary: plan.summary, notes, plannedActions, durationMs: 0 };
  }
  log.info({ step: step.step }, `changing: ${plan.summary}`);
  for (const action of plan.actions) await runAction(host, action, context.staging, log);
  return { step: step.step, status: 'changed', summary: plan.summary, notes, durationMs: 0 };
}

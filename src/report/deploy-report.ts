import Table from 'cli-table3';
import type { HostResult } from '../playbook/results.js';
import type { VerifyReport } from '../verify/types.js';
import { renderVerifyJson } from './verify-report.js';

/** Formats one row per host: what happened and what to look at. */
export function formatDeployTable(results: readonly HostResult[], check: boolean): string {
  const table = new Table({
    head: ['Host', 'Address', 'Status', check ? 'Would change' : 'Changed', 'Firewall', 'Detail'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, 70] as never,
  });
  for (const result of results) {
    // The table shows the first line of an error; the log above it has the whole message.
    const detail = (result.error ? result.error.split('\n')[0] : undefined) ?? (check ? result.steps.filter((step) => step.status === 'planned').map((step) => step.step).join(', ') || 'nothing to change' : describeOk(result));
    table.push([result.name, result.address, result.status.toUpperCase(), String(result.changed), result.firewall ?? '-', detail]);
  }
  return table.toString();
}

function describeOk(result: HostResult): string {
  const changed = result.steps.filter((step) => step.status === 'changed').map((step) => step.step);
  const verified = result.steps.some((step) => step.step === 'verify-host' && step.status === 'passed');
  return `${changed.length > 0 ? `changed: ${changed.join(', ')}` : 'no changes'}${verified ? '; serves the uploaded certificate' : ''}`;
}

/** Lists the planned actions of --check mode, host by host. */
export function formatPlannedActions(results: readonly HostResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`# ${result.name} (${result.address})`);
    if (result.error) lines.push(`  error: ${result.error}`);
    for (const step of result.steps) {
      lines.push(`  ${step.step}: ${step.status === 'planned' ? `would ${step.summary}` : step.summary}`);
      for (const note of step.notes) lines.push(`    note: ${note}`);
      for (const action of step.plannedActions ?? []) lines.push(...action.split('\n').map((line, index) => `${index === 0 ? '    $ ' : '      '}${line}`));
    }
  }
  return lines.join('\n');
}

/** The --json report: every host with its name, status and number of changed steps. */
/** Result of deploy --verify-dns: the report, or why no address could be checked. */
export interface DnsVerification {
  report?: VerifyReport;
  error?: string;
}

export function deployJson(results: readonly HostResult[], check: boolean, dns?: DnsVerification): string {
  return JSON.stringify(
    {
      check,
      ok: results.every((result) => result.status !== 'failed') && (dns === undefined || dns.report?.passed === true),
      hosts: results.map((result) => ({
        name: result.name,
        address: result.address,
        status: result.status,
        changed: result.changed,
        firewall: result.firewall ?? null,
        servedFingerprint256: result.servedFingerprint256 ?? null,
        error: result.error ?? null,
        steps: result.steps.map((step) => ({ step: step.step, status: step.status, summary: step.summary, notes: step.notes, ...(step.plannedActions ? { plannedActions: step.plannedActions } : {}) })),
      })),
      ...(dns?.report ? { verifyDns: JSON.parse(renderVerifyJson(dns.report)) as unknown } : {}),
      ...(dns?.error ? { verifyDns: { passed: false, error: dns.error } } : {}),
    },
    null,
    2,
  );
}

import type { AddressResult, CheckName, Checks } from './types.js';
import { CHECK_NAMES } from './types.js';

/**
 * Derives an address's overall result and its problem lines from its checks. No TCP
 * connection makes it `unreachable`. Otherwise any failed check makes it `fail`, and
 * any warning without a failure makes it `warn`. Problems list failures first, each
 * prefixed with its check name.
 */
export function summarizeChecks(checks: Checks, unreachable: boolean): { result: AddressResult; problems: string[] } {
  const failures = problemLines(checks, 'fail');
  const warnings = problemLines(checks, 'warn');

  let result: AddressResult = 'pass';
  if (unreachable) result = 'unreachable';
  else if (failures.length > 0) result = 'fail';
  else if (warnings.length > 0) result = 'warn';

  return { result, problems: [...failures, ...warnings] };
}

function problemLines(checks: Checks, status: 'fail' | 'warn'): string[] {
  const lines: string[] = [];
  for (const name of CHECK_NAMES) {
    const check = checks[name as CheckName];
    if (check?.status === status) lines.push(`${name}: ${check.detail}`);
  }
  return lines;
}

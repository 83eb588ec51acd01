import type { z } from 'zod';

/** Formats zod issues as "field.path: message" lines that name what is wrong. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], describeValue?: (path: PropertyKey[]) => string | undefined): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    const context = describeValue?.(issue.path as PropertyKey[]);
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}${context ? ` (${context})` : ''}`;
    }
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return `${path}: field is missing (expected ${issue.expected})${context ? ` (${context})` : ''}`;
    }
    if ((issue.code === 'too_big' || issue.code === 'too_small') && /^Too (big|small)/.test(issue.message)) {
      const bound = issue.code === 'too_big' ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      const units: Record<string, string> = { array: ' entries', string: ' characters' };
      const unit = units[String(issue.origin)] ?? '';
      return `${path}: must be ${bound}${unit}${context ? ` (${context})` : ''}`;
    }
    return `${path}: ${issue.message}${context ? ` (${context})` : ''}`;
  });
}

import type { z } from 'zod';

/** Formats zod issues as "field.path: message" lines that name what is wrong. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], describeValue?: (path: PropertyKey[]) => string | undefined): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    const context = describeValue?.(issue.path as PropertyKey[]);
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}${context ? ` (${context})` : ''}`;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue) {
      return `${path}: ${issue.message}`;
    }
    return `${path}: ${issue.message}${context ? ` (${context})` : ''}`;
  });
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures in the source tree; compiled tests run from dist/test/. */
export const FIXTURES_DIR = resolve(fileURLToPath(import.meta.url), '../../../../test/fixtures');

export function readFixture(path: string): string {
  return readFileSync(resolve(FIXTURES_DIR, path), 'utf8');
}

/** Asserts that `actual` has every field of `expected`, recursively; other fields are ignored. Returns the first mismatch path. */
export function findMismatch(actual: unknown, expected: unknown, path = ''): string | undefined {
  if (expected === null || typeof expected !== 'object') {
    return Object.is(actual, expected) ? undefined : `${path || '(value)'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    for (let index = 0; index < expected.length; index++) {
      const mismatch = findMismatch(actual[index], expected[index], `${path}[${index}]`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object') return `${path}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [key, value] of Object.entries(expected)) {
    const mismatch = findMismatch((actual as Record<string, unknown>)[key], value, path ? `${path}.${key}` : key);
    if (mismatch) return mismatch;
  }
  return undefined;
}

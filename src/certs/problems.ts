import { InputError } from '../errors.js';

/** Machine-readable kind of a certificate or key problem, for tests and callers that branch on it. */
export type CertificateProblemKind =
  | 'file-unreadable'
  | 'file-empty'
  | 'unsupported-encoding'
  | 'invalid-pem'
  | 'invalid-certificate'
  | 'invalid-key'
  | 'no-certificate'
  | 'no-private-key'
  | 'files-swapped'
  | 'several-keys'
  | 'encrypted-key'
  | 'wrong-passphrase'
  | 'key-mismatch'
  | 'key-belongs-to-ca'
  | 'issuer-missing'
  | 'issuer-not-ca'
  | 'untrusted-root'
  | 'expired'
  | 'not-yet-valid'
  | 'name-not-covered';

/** One problem found in a certificate, key or CA file. */
export interface CertificateProblem {
  kind: CertificateProblemKind;
  /** Path of the file the problem is in, as the user gave it. */
  file: string;
  /** Finding, without the file name. */
  reason: string;
  /** Suggested next step for the user. */
  hint?: string;
}

/**
 * Invalid certificate or key files: one or more problems found in one check.
 *
 * With one problem the message is the InputError message for it (`file: reason hint`).
 * With several, the message has one such line per problem, and `file`, `hint` and the
 * first line belong to the first problem. No message contains key bytes or a passphrase.
 */
export class CertificateCheckError extends InputError {
  readonly problems: readonly CertificateProblem[];

  constructor(problems: readonly CertificateProblem[]) {
    const first = problems[0];
    if (first === undefined) {
      throw new RangeError('CertificateCheckError needs at least one problem');
    }

    super(first.reason, { file: first.file, hint: first.hint });
    this.problems = problems;
    if (problems.length > 1) {
      this.message = problems.map(formatProblem).join('\n');
    }
  }

  /** Returns whether a problem of `kind` was found. */
  has(kind: CertificateProblemKind): boolean {
    return this.problems.some((problem) => problem.kind === kind);
  }
}

/** Formats a problem as one line: `file: reason hint`. */
export function formatProblem(problem: CertificateProblem): string {
  const hint = problem.hint ? ` ${problem.hint}` : '';
  return `${problem.file}: ${problem.reason}${hint}`;
}

/** Throws a CertificateCheckError for `problems` unless the list is empty. */
export function throwIfProblems(problems: readonly CertificateProblem[]): void {
  if (problems.length > 0) {
    throw new CertificateCheckError(problems);
  }
}

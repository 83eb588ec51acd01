/**
 * One error root for certfleet, with a subclass per phase. Every message states
 * what failed, on which value, and what to do next; `cause` keeps the original.
 * Messages never contain secrets: callers pass paths and names, never key bytes.
 */
export interface CertfleetErrorOptions {
  cause?: unknown;
  /** Inventory name of the host the error belongs to, when there is one. */
  host?: string;
  /** Advice on what to do next, appended to the message. */
  hint?: string;
}

export class CertfleetError extends Error {
  readonly host?: string;
  readonly hint?: string;
  /** The message without the host name in front, for log lines that name the host already. */
  readonly reason: string;

  constructor(reason: string, options: CertfleetErrorOptions = {}) {
    const prefix = options.host ? `${options.host}: ` : '';
    // The hint is a sentence of its own, so the reason before it must end like one.
    const sentence = options.hint && !/[.!?:]$/.test(reason.trimEnd()) ? `${reason.trimEnd()}.` : reason;
    // After a multi-line reason, such as journal lines, the hint starts a line of its own.
    const full = options.hint ? `${sentence}${sentence.includes('\n') ? '\n' : ' '}${options.hint}` : sentence;
    super(`${prefix}${full}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.host = options.host;
    this.hint = options.hint;
    this.reason = full;
  }
}

/** Invalid input on the controller: a file, an option, an inventory or playbook field. */
export class InputError extends CertfleetError {
  readonly file?: string;

  constructor(reason: string, options: CertfleetErrorOptions & { file?: string } = {}) {
    super(options.file ? `${options.file}: ${reason}` : reason, options);
    this.file = options.file;
  }
}

/** The SSH connection could not be made or authenticated, or the host key was rejected. */
export class ConnectError extends CertfleetError {}

/** A fact could not be gathered or parsed. */
export class FactError extends CertfleetError {}

/** A remote command run by an operation failed. */
export class OperationError extends CertfleetError {
  readonly command?: string;
  readonly exitCode?: number | null;
  readonly stderr?: string;

  constructor(
    reason: string,
    options: CertfleetErrorOptions & { command?: string; exitCode?: number | null; stderr?: string } = {},
  ) {
    super(reason, options);
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
  }
}

/** A deployed host, or an address behind a DNS name, does not serve what it should. */
export class VerificationError extends CertfleetError {}

/** Formats any thrown value as one line for the user. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Formats a thrown value without its host name, for a logger that adds the host itself. */
export function reasonOf(error: unknown): string {
  return error instanceof CertfleetError ? error.reason : describeError(error);
}

/** Plain words for the file system errors a user meets, with the code kept for searching. */
const FILE_ERROR_WORDS: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/** Formats a file system error as "file not found (ENOENT)". */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && FILE_ERROR_WORDS[code]) return `${FILE_ERROR_WORDS[code]} (${code})`;
  return code ?? describeError(error);
}

/** Result of a remote command. The caller decides what counts as failure. */
export interface ExecResult {
  command: string;
  stdout: string;
  stderr: string;
  /** Exit code, or null when the command was ended by a signal. */
  exitCode: number | null;
  signal?: string;
  durationMs: number;
}

export interface ExecOptions {
  /** Run as root through `sudo -n` (skipped when the login user is root). */
  sudo?: boolean;
  /** Bytes written to the command's standard input, then closed. */
  stdin?: string | Buffer;
  /** Give up after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * A channel to one host: commands, file uploads, and the end of the session.
 * The playbook runner depends on this interface only, so that another transport
 * (a bastion, a local test double) fits without changing operations.
 */
export interface RemoteHost {
  readonly name: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes bytes to a remote path over SFTP, creating the file with the given mode. */
  upload(remotePath: string, content: Buffer, mode: number): Promise<void>;
  close(): Promise<void>;
}

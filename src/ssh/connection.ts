import { access, readFile } from 'node:fs/promises';
import pRetry, { AbortError } from 'p-retry';
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { ConnectError, describeFileError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ExecOptions, ExecResult, RemoteHost } from './exec-result.js';
import { formatAddress } from './host-address.js';
import {
  appendKnownHost,
  findKnownHostKeys,
  fingerprintOf,
  hostKeyAlgorithmsFor,
  keyTypeOf,
  knownHostsName,
  readKnownHosts,
} from './known-hosts.js';
import { withSudo } from './sudo.js';

export interface ConnectOptions {
  name: string;
  address: string;
  port: number;
  user: string;
  /** Private key file; without it, the ssh-agent at SSH_AUTH_SOCK is used. */
  identity?: string;
  /** Passphrase of the private key, from the environment, never from an argument. */
  passphrase?: string;
  knownHostsFile: string;
  /** False when the known_hosts file does not exist, to say so in the message. */
  knownHostsExists?: boolean;
  acceptNewHostKeys: boolean;
  /** Time allowed for the TCP connection and the SSH handshake, per attempt. */
  readyTimeoutMs: number;
  /** Further attempts after a transient fault (refused, reset, timed out). */
  retries: number;
  logger: Logger;
}

/** Socket errors worth another attempt: the host may be booting or the network busy. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

interface HostKeyDecision {
  rejected?: string;
}

/**
 * One SSH connection per host, reused for every command and for SFTP.
 * ssh2-sftp-client owns the ssh2 `Client` in its `client` field. certfleet connects
 * that client itself and opens the SFTP subsystem on it only when a file is
 * uploaded, so commands and SFTP share a single TCP connection.
 */
export class SshConnection implements RemoteHost {
  private sftpOpened = false;
  private closed = false;

  private constructor(
    readonly name: string,
    readonly user: string,
    private readonly sftp: SftpClient,
    private readonly logger: Logger,
  ) {}

  private get client(): Client {
    return (this.sftp as unknown as { client: Client }).client;
  }

  static async open(options: ConnectOptions): Promise<SshConnection> {
    const auth = await loadAuthentication(options);
    const where = `${options.user}@${formatAddress(options.address, options.port)}`;
    return pRetry(() => SshConnection.attempt(options, auth), {
      retries: options.retries,
      minTimeout: 1000,
      factor: 2,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        // p-retry calls this before shouldRetry, so only transient faults are announced as retried.
        if (retriesLeft > 0 && isTransient(error)) {
          options.logger.warn({ host: options.name, attempt: attemptNumber, retriesLeft, err: error.message }, `connecting to ${where} failed, retrying`);
        }
      },
      shouldRetry: ({ error }) => isTransient(error),
    });
  }

  private static async attempt(options: ConnectOptions, auth: Partial<ConnectConfig>): Promise<SshConnection> {
    const log = options.logger;
    const hostName = knownHostsName(options.address, options.port);
    let knownHostsText: string;
    try {
      knownHostsText = await readKnownHosts(options.knownHostsFile);
    } catch (error) {
      throw new AbortError(
        new InputError(`cannot read the known_hosts file: ${describeFileError(error)}.`, {
          file: options.knownHostsFile,
          hint: 'Give a readable file with --known-hosts.',
        }),
      );
    }
    const entries = findKnownHostKeys(knownHostsText, hostName);
    options = { ...options, knownHostsExists: await access(options.knownHostsFile).then(() => true, () => false) };
    const known = entries.filter((entry) => !entry.revoked);
    const revoked = entries.filter((entry) => entry.revoked);
    const decision: HostKeyDecision = {};

    const sftp = new SftpClient(options.name, {
      error: (err: unknown) => log.debug({ host: options.name, err: (err as Error).message }, 'ssh connection error'),
      end: () => log.debug({ host: options.name }, 'ssh connection ended'),
      close: () => log.debug({ host: options.name }, 'ssh connection closed'),
    });
    const client = (sftp as unknown as { client: Client }).client;
    const where = `${options.user}@${formatAddress(options.address, options.port)}`;

    const config: ConnectConfig = {
      host: options.address,
      port: options.port,
      username: options.user,
      readyTimeout: options.readyTimeoutMs,
      keepaliveInterval: 15000,
      ...auth,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        verifyHostKey(key, known.map((entry) => entry), revoked, options, hostName, decision)
          .then(verify, (error: unknown) => {
            decision.rejected = `could not record the host key in ${options.knownHostsFile}: ${(error as Error).message}`;
            verify(false);
          });
      },
    };
    // Offer only the key types known_hosts holds for this host, so the server presents one of those.
    if (known.length > 0) {
      config.algorithms = { serverHostKey: hostKeyAlgorithmsFor(known.map((entry) => entry.type)) as never };
    }

    log.debug({ host: options.name }, `connecting to ${where}`);
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        client.removeListener('error', onError);
        resolve();
      };
      const onError = (error: Error & { level?: string; code?: string }) => {
        client.removeListener('ready', onReady);
        client.end();
        reject(describeConnectFailure(error, decision, options, where));
      };
      client.once('ready', onReady);
      client.once('error', onError);
      client.connect(config);
    });
    log.debug({ host: options.name }, `connected to ${where}`);
    return new SshConnection(options.name, options.user, sftp, log);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const line = options.sudo ? withSudo(command, this.user) : command;
    const started = Date.now();
    return new Promise<ExecResult>((resolve, reject) => {
      this.client.exec(line, (error, channel) => {
        if (error) {
          reject(new ConnectError(`could not start a command: ${error.message}`, { host: this.name, cause: error }));
          return;
        }
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        if (options.timeoutMs) {
          timer = setTimeout(() => {
            channel.close();
            reject(new ConnectError(`a command timed out after ${options.timeoutMs} ms: ${command}`, { host: this.name }));
          }, options.timeoutMs);
        }
        channel.on('data', (chunk: Buffer) => stdout.push(chunk));
        channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        channel.on('close', (code: number | null, signal?: string) => {
          if (timer) clearTimeout(timer);
          // No exit status and no signal: the connection went away before the command finished.
          if (typeof code !== 'number' && !signal) {
            reject(new ConnectError(`the connection was lost while running a command: ${command.split('\n')[0]}`, { host: this.name, hint: 'Check the host, then rerun, because every step reads the host state first.' }));
            return;
          }
          resolve({
            command,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            exitCode: typeof code === 'number' ? code : null,
            signal: signal ?? undefined,
            durationMs: Date.now() - started,
          });
        });
        if (options.stdin !== undefined) channel.end(options.stdin);
        else channel.end();
      });
    });
  }

  async upload(remotePath: string, content: Buffer, mode: number): Promise<void> {
    if (!this.sftpOpened) {
      await new Promise<void>((resolve, reject) => {
        this.client.sftp((error, wrapper) => {
          if (error) {
            reject(new ConnectError(`could not open the SFTP subsystem: ${error.message}`, { host: this.name, cause: error, hint: 'Check that sshd has "Subsystem sftp" configured.' }));
            return;
          }
          (this.sftp as unknown as { sftp: unknown }).sftp = wrapper;
          resolve();
        });
      });
      this.sftpOpened = true;
    }
    this.logger.debug({ host: this.name, path: remotePath, bytes: content.length }, 'uploading');
    await this.sftp.put(content, remotePath, { writeStreamOptions: { mode, flags: 'w' } });
    await this.sftp.chmod(remotePath, mode);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sftpOpened) {
      await this.sftp.end();
    } else {
      this.client.end();
    }
  }
}

async function loadAuthentication(options: ConnectOptions): Promise<Partial<ConnectConfig>> {
  if (!options.identity) {
    const agent = process.env.SSH_AUTH_SOCK;
    if (!agent) {
      throw new InputError(`no identity file is set for host ${options.name} and no ssh-agent is running (SSH_AUTH_SOCK is unset).`, {
        hint: 'Give --identity KEYFILE (or "identity" in the inventory), or start ssh-agent and add the key.',
      });
    }
    return { agent };
  }
  let privateKey: Buffer;
  try {
    privateKey = await readFile(options.identity);
  } catch (error) {
    throw new InputError(`cannot read the SSH identity file: ${describeFileError(error)}.`, {
      file: options.identity,
      hint: 'Check the path given with --identity or "identity" in the inventory.',
    });
  }
  const parsed = ssh2.utils.parseKey(privateKey, options.passphrase);
  if (!(parsed instanceof Error) && !(Array.isArray(parsed) ? parsed[0] : parsed)?.isPrivateKey()) {
    throw new InputError('the file contains a public key, not a private key.', {
      file: options.identity,
      hint: 'Give the private key file (the one without .pub).',
    });
  }
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new InputError(
      encrypted
        ? options.passphrase === undefined
          ? 'the SSH private key is encrypted and no passphrase was given.'
          : 'the SSH private key could not be decrypted with the passphrase in CERTFLEET_SSH_PASSPHRASE.'
        : `the file is not a private key that ssh2 can read (${parsed.message}).`,
      {
        file: options.identity,
        hint: encrypted ? 'Set CERTFLEET_SSH_PASSPHRASE, or load the key into ssh-agent and leave out --identity.' : 'Give an OpenSSH, PEM or PuTTY private key file.',
      },
    );
  }
  return { privateKey, passphrase: options.passphrase };
}

async function verifyHostKey(
  key: Buffer,
  known: { type: string; key: string; line: number }[],
  revoked: { type: string; key: string; line: number }[],
  options: ConnectOptions,
  hostName: string,
  decision: HostKeyDecision,
): Promise<boolean> {
  const presentedType = keyTypeOf(key);
  const presented = key.toString('base64');
  const fingerprint = fingerprintOf(key);

  if (revoked.some((entry) => entry.key === presented)) {
    decision.rejected = `the host key ${fingerprint} is marked @revoked in ${options.knownHostsFile}.`;
    return false;
  }
  if (known.some((entry) => entry.key === presented)) return true;

  if (known.length > 0) {
    const sameType = known.find((entry) => entry.type === presentedType) ?? known[0]!;
    const knownFingerprint = fingerprintOf(Buffer.from(sameType.key, 'base64'));
    decision.rejected =
      `HOST KEY CHANGED for ${hostName}: ${options.knownHostsFile} line ${sameType.line} has ${sameType.type} ${knownFingerprint}, ` +
      `the host presented ${presentedType} ${fingerprint}. This can be a reinstalled host or an attack. ` +
      `If the host was reinstalled, remove the old entry (ssh-keygen -R ${JSON.stringify(hostName)} -f ${options.knownHostsFile}) and add the new key after checking it.`;
    return false;
  }

  if (!options.acceptNewHostKeys) {
    decision.rejected =
      `unknown host key for ${hostName} (${presentedType} ${fingerprint}), not in ${options.knownHostsFile}${options.knownHostsExists === false ? ' (the file does not exist)' : ''}. ` +
      'Check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add it to known_hosts, or rerun with --accept-new-host-keys to record it.';
    return false;
  }
  await appendKnownHost(options.knownHostsFile, hostName, presentedType, presented);
  options.logger.warn({ host: options.name, fingerprint }, `recorded new host key ${presentedType} ${fingerprint} for ${hostName} in ${options.knownHostsFile}`);
  return true;
}

function describeConnectFailure(
  error: Error & { level?: string; code?: string },
  decision: HostKeyDecision,
  options: ConnectOptions,
  where: string,
): Error {
  if (decision.rejected) {
    return new AbortError(new ConnectError(`host key rejected: ${decision.rejected}`, { host: options.name, cause: error }));
  }
  if (error.level === 'client-authentication') {
    const method = options.identity ? `key ${options.identity}` : 'the keys in ssh-agent';
    return new AbortError(
      new ConnectError(`authentication failed for ${where} with ${method}.`, {
        host: options.name,
        cause: error,
        hint: `Check that the matching public key is in the authorized keys of ${options.user} on the host (usually ~${options.user}/.ssh/authorized_keys, or the AuthorizedKeysFile of sshd_config) and that the user name is right.`,
      }),
    );
  }
  if (/no matching host key/i.test(error.message)) {
    return new AbortError(
      new ConnectError(
        `host key rejected: ${where} offered none of the host key types that ${options.knownHostsFile} lists for it. ` +
          'If the host was reinstalled with other key types, check its new key and replace the old entry in known_hosts.',
        { host: options.name, cause: error },
      ),
    );
  }
  if (error.code && TRANSIENT_CODES.has(error.code)) {
    return new ConnectError(`cannot reach ${where}: ${error.code} (${error.message}).`, {
      host: options.name,
      cause: error,
      hint: 'Check the address and port, that sshd runs, and that no firewall drops SSH.',
    });
  }
  if (/timed out/i.test(error.message)) {
    const timeout = new ConnectError(`cannot reach ${where}: the SSH handshake timed out after ${options.readyTimeoutMs} ms.`, {
      host: options.name,
      cause: error,
      hint: 'Check the address and port, and that no firewall drops SSH.',
    });
    return Object.assign(timeout, { code: 'ETIMEDOUT' });
  }
  return new AbortError(new ConnectError(`SSH connection to ${where} failed: ${error.message}`, { host: options.name, cause: error }));
}

function isTransient(error: Error): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = (error as { code?: string }).code ?? cause?.code;
  return code !== undefined && TRANSIENT_CODES.has(code);
}

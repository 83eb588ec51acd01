import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel, SFTPWrapper } from 'ssh2';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import type { ConnectOptions } from '../../src/ssh/connection.js';

// ssh2 is CommonJS, so its named exports are only reachable through the default import.
const { Server, utils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = utils.sftp;

const execFileAsync = promisify(execFile);

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyPair {
  type: KeyType;
  /** Private key in OpenSSH format, encrypted when a passphrase was given. */
  privateKey: string;
  /** Public key as one OpenSSH line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
}

/**
 * Generates a key pair with OpenSSH's ssh-keygen (RSA 2048 bits, ECDSA on P-256),
 * encrypted with its default cipher and bcrypt KDF when a passphrase is given.
 * NOTE: ssh2 1.17.0's generateKeyPairSync('ed25519') strips leading zero bytes from the
 * public key, so about 1 in 256 of its keys is malformed (10 in 2000 in a local run).
 * These tests would then fail at random, so ssh-keygen makes the keys instead.
 */
export async function generateKeyPair(type: KeyType, passphrase = ''): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-keygen-'));
  try {
    const file = join(dir, 'key');
    const size = type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : [];
    await execFileAsync('ssh-keygen', ['-q', '-t', type, ...size, '-N', passphrase, '-C', 'certfleet-test', '-f', file]);
    const privateKey = await readFile(file, 'utf8');
    const publicKey = (await readFile(`${file}.pub`, 'utf8')).trim();
    return { type, privateKey, publicKey };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Splits an OpenSSH public key line into its key type and base64 key blob. */
export function publicKeyFields(publicKey: string): { type: string; blob: string } {
  const [type, blob] = publicKey.trim().split(/\s+/);
  if (!type || !blob) throw new Error(`not an OpenSSH public key line: ${JSON.stringify(publicKey)}`);
  return { type, blob };
}

/** What the test server sends back for one exec request. */
export interface ExecReply {
  stdout?: string | Buffer;
  stderr?: string | Buffer;
  /** Exit status sent to the client; 0 when neither this nor `signal` is set. */
  exitCode?: number;
  /** Signal name without the `SIG` prefix (`KILL`), sent instead of an exit status. */
  signal?: string;
  /** Ends the SSH connection instead of replying, as an sshd stopped in the middle of a command would. */
  dropConnection?: boolean;
}

/**
 * Produces the reply to one command. It runs nothing: the test decides the output.
 * It is called once the client has closed the command's stdin.
 */
export type ExecHandler = (command: string, stdin: Buffer) => ExecReply | Promise<ExecReply>;

export interface ReceivedCommand {
  user: string;
  /** The command line exactly as the client sent it. */
  command: string;
  stdin: Buffer;
}

export interface StoredFile {
  content: Buffer;
  /** Permission bits sent with the SFTP OPEN request that created the file. */
  openMode?: number;
  /** Permission bits after the last SETSTAT or FSETSTAT, or `openMode` until one arrives. */
  mode?: number;
}

export interface SshServerOptions {
  /** Host keys the server offers, or one new ed25519 key when left out. */
  hostKeys?: KeyPair[];
  /** Public key lines (OpenSSH format) accepted for any user name. */
  authorizedKeys?: string[];
  exec?: ExecHandler;
  /** Rejects requests for the SFTP subsystem, like an sshd without `Subsystem sftp`. */
  sftp?: boolean;
  /** TCP port on 127.0.0.1, where 0 (the default) picks a free one. */
  port?: number;
}

export interface TestSshServer {
  address: string;
  port: number;
  hostKeys: KeyPair[];
  /** Commands received, in arrival order. */
  commands: ReceivedCommand[];
  /** Files written over SFTP, by the path the client sent. */
  files: Map<string, StoredFile>;
  /** Number of TCP connections accepted so far. */
  connectionCount(): number;
  /** The known_hosts line for the host key of this type, under the name OpenSSH uses for this port. */
  knownHostsLine(type: KeyType): string;
  stop(): Promise<void>;
}

/**
 * Starts an SSH server in this process on 127.0.0.1. It authenticates by public key
 * only, replies to exec requests through `options.exec` without running anything on this
 * machine, and keeps SFTP uploads in memory. It counts TCP connections itself and
 * hands each socket to the ssh2 server, so a connection is counted even when the
 * SSH handshake or the authentication fails.
 */
export async function startSshServer(options: SshServerOptions = {}): Promise<TestSshServer> {
  const address = '127.0.0.1';
  const hostKeys = options.hostKeys ?? [await generateKeyPair('ed25519')];
  const authorized = (options.authorizedKeys ?? []).map(parsePublicKey);
  const execHandler: ExecHandler = options.exec ?? (() => ({ exitCode: 0 }));
  const sftpEnabled = options.sftp ?? true;

  const commands: ReceivedCommand[] = [];
  const files = new Map<string, StoredFile>();
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const sshServer = new Server({ hostKeys: hostKeys.map((pair) => pair.privateKey) }, (client: Connection) => {
    let user = '';
    client.on('authentication', (context: AuthContext) => {
      user = context.username;
      if (context.method !== 'publickey') {
        context.reject(['publickey']);
        return;
      }
      const match = authorized.find((key) => key.getPublicSSH().equals(context.key.data));
      if (!match) {
        context.reject(['publickey']);
        return;
      }
      // Without a signature the client only asks whether the key would be accepted.
      if (context.signature && context.blob && match.verify(context.blob, context.signature, context.hashAlgo) !== true) {
        context.reject(['publickey']);
        return;
      }
      context.accept();
    });

    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _rejectExec, info) => {
          const channel = acceptExec();
          answerExec(channel, client, user, info.command, execHandler, commands);
        });
        session.on('sftp', (acceptSftp, rejectSftp) => {
          if (!sftpEnabled) {
            rejectSftp();
            return;
          }
          serveSftp(acceptSftp(), files);
        });
      });
    });

    // A client that disconnects mid-request raises ECONNRESET here, and the client side reports its own error to the test.
    client.on('error', () => {});
  });

  const tcpServer = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    sshServer.injectSocket(socket);
  });

  await new Promise<void>((resolve, reject) => {
    tcpServer.once('error', reject);
    tcpServer.listen(options.port ?? 0, address, () => {
      tcpServer.removeListener('error', reject);
      resolve();
    });
  });
  const port = (tcpServer.address() as net.AddressInfo).port;

  return {
    address,
    port,
    hostKeys,
    commands,
    files,
    connectionCount: () => connections,
    knownHostsLine(type: KeyType): string {
      const pair = hostKeys.find((key) => key.type === type);
      if (!pair) throw new Error(`the test SSH server has no ${type} host key`);
      const { type: keyType, blob } = publicKeyFields(pair.publicKey);
      return `[${address}]:${port} ${keyType} ${blob}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcpServer.close(() => resolve());
      }),
  };
}

function parsePublicKey(line: string): ParsedKey {
  const parsed = utils.parseKey(line);
  if (parsed instanceof Error) throw new Error(`invalid authorized key ${JSON.stringify(line)}: ${parsed.message}`);
  return parsed;
}

function answerExec(
  channel: ServerChannel,
  client: Connection,
  user: string,
  command: string,
  handler: ExecHandler,
  commands: ReceivedCommand[],
): void {
  const stdin: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => stdin.push(chunk));
  channel.on('end', () => {
    const input = Buffer.concat(stdin);
    commands.push({ user, command, stdin: input });
    Promise.resolve()
      .then(() => handler(command, input))
      .catch((error: unknown): ExecReply => ({ stderr: `test exec handler failed: ${(error as Error).message}\n`, exitCode: 255 }))
      .then((reply) => {
        if (reply.dropConnection) {
          client.end();
          return;
        }
        if (reply.stdout !== undefined) channel.write(reply.stdout);
        if (reply.stderr !== undefined) channel.stderr.write(reply.stderr);
        if (reply.signal !== undefined) channel.exit(reply.signal, false, '');
        else channel.exit(reply.exitCode ?? 0);
        channel.end();
      })
      // The client may have closed the channel already (a timed-out command), so the reply is dropped.
      .catch(() => {});
  });
}

/** Serves the SFTP requests an upload needs (OPEN, WRITE, FSETSTAT, SETSTAT, CLOSE) from memory. */
function serveSftp(sftp: SFTPWrapper, files: Map<string, StoredFile>): void {
  const handles = new Map<number, string>();
  let nextHandle = 0;

  const pathOf = (handle: Buffer): string | undefined => (handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined);
  // The typings declare every attribute present, but a client sends only the ones it sets.
  const modeOf = (attrs: { mode?: number } | undefined): number | undefined => attrs?.mode;

  sftp.on('OPEN', (requestId: number, path: string, flags: number, attrs) => {
    if (!(flags & OPEN_MODE.WRITE)) {
      sftp.status(requestId, STATUS_CODE.OP_UNSUPPORTED, 'the test SFTP server only writes files');
      return;
    }
    const existing = files.get(path);
    if (!existing && !(flags & OPEN_MODE.CREAT)) {
      sftp.status(requestId, STATUS_CODE.NO_SUCH_FILE);
      return;
    }
    if (!existing || flags & OPEN_MODE.TRUNC) {
      const mode = modeOf(attrs);
      files.set(path, { content: Buffer.alloc(0), openMode: mode, mode });
    }
    const handle = Buffer.alloc(4);
    handle.writeUInt32BE(nextHandle, 0);
    handles.set(nextHandle, path);
    nextHandle += 1;
    sftp.handle(requestId, handle);
  });

  sftp.on('WRITE', (requestId: number, handle: Buffer, offset: number, data: Buffer) => {
    const path = pathOf(handle);
    const file = path === undefined ? undefined : files.get(path);
    if (!file) {
      sftp.status(requestId, STATUS_CODE.FAILURE, 'invalid handle');
      return;
    }
    const end = offset + data.length;
    const content = file.content.length >= end ? file.content : Buffer.concat([file.content, Buffer.alloc(end - file.content.length)]);
    data.copy(content, offset);
    file.content = content;
    sftp.status(requestId, STATUS_CODE.OK);
  });

  sftp.on('FSETSTAT', (requestId: number, handle: Buffer, attrs) => {
    const path = pathOf(handle);
    const file = path === undefined ? undefined : files.get(path);
    if (!file) {
      sftp.status(requestId, STATUS_CODE.FAILURE, 'invalid handle');
      return;
    }
    const mode = modeOf(attrs);
    if (mode !== undefined) file.mode = mode;
    sftp.status(requestId, STATUS_CODE.OK);
  });

  sftp.on('SETSTAT', (requestId: number, path: string, attrs) => {
    const file = files.get(path);
    if (!file) {
      sftp.status(requestId, STATUS_CODE.NO_SUCH_FILE);
      return;
    }
    const mode = modeOf(attrs);
    if (mode !== undefined) file.mode = mode;
    sftp.status(requestId, STATUS_CODE.OK);
  });

  sftp.on('CLOSE', (requestId: number, handle: Buffer) => {
    if (handle.length !== 4 || !handles.delete(handle.readUInt32BE(0))) {
      sftp.status(requestId, STATUS_CODE.FAILURE, 'invalid handle');
      return;
    }
    sftp.status(requestId, STATUS_CODE.OK);
  });
}

/** A scratch folder with the client's private key and known_hosts file. */
export interface ClientFiles {
  dir: string;
  key: KeyPair;
  identityFile: string;
  knownHostsFile: string;
  /** Removes the folder. */
  cleanup(): Promise<void>;
}

/**
 * Writes a client key (mode 0600, a new ed25519 key unless given) and, when `knownHosts`
 * is set, a known_hosts file with that text into a new temporary folder.
 */
export async function writeClientFiles(options: { key?: KeyPair; knownHosts?: string } = {}): Promise<ClientFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-ssh-'));
  const key = options.key ?? (await generateKeyPair('ed25519'));
  const identityFile = join(dir, 'id_test');
  await writeFile(identityFile, key.privateKey, { mode: 0o600 });
  await chmod(identityFile, 0o600);
  const knownHostsFile = join(dir, 'known_hosts');
  if (options.knownHosts !== undefined) await writeFile(knownHostsFile, options.knownHosts);
  return { dir, key, identityFile, knownHostsFile, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Builds connection options for a server (or any loopback port) with the client files, a silent logger and no retries. */
export function connectOptionsFor(
  target: { address: string; port: number },
  files: ClientFiles,
  overrides: Partial<ConnectOptions> = {},
): ConnectOptions {
  return {
    name: 'web1',
    address: target.address,
    port: target.port,
    user: 'deploy',
    identity: files.identityFile,
    knownHostsFile: files.knownHostsFile,
    acceptNewHostKeys: false,
    readyTimeoutMs: 5000,
    retries: 0,
    logger: silentLogger(),
    ...overrides,
  };
}

/** Creates a pino logger at trace level that keeps every line it writes, for checks on log content. */
export function recordingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const logger = pino({ level: 'trace', base: undefined }, { write: (line: string) => void raw.push(line) });
  return {
    logger,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

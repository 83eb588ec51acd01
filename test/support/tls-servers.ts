/**
 * HTTPS and plain HTTP servers on loopback addresses for the verify tests. Every
 * address of 127.0.0.0/8 is local on Linux, so each server can stand for one host behind
 * a test name, all on the same port.
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import type { SecureVersion } from 'node:tls';

export interface TestHttpsServerOptions {
  /** Loopback address to listen on, such as 127.0.0.31. */
  address: string;
  /** Private key in PEM. */
  key: string;
  /** Leaf certificate followed by the intermediates to send, in PEM. */
  cert: string;
  /** Lowest TLS version accepted; defaults to Node's TLSv1.2. */
  minVersion?: SecureVersion;
  /** Highest TLS version accepted; defaults to TLSv1.3. */
  maxVersion?: SecureVersion;
  /** Also accept TLS 1.0 and 1.1, as a badly configured server does. */
  acceptLegacyTls?: boolean;
  /** HTTP status of every response; defaults to 200. */
  status?: number;
  /** Body of every response; defaults to "hello from ADDRESS". */
  body?: string;
}

export interface TestServer {
  address: string;
  port: number;
  /** Number of HTTP requests handled. */
  requestCount(): number;
  stop(): Promise<void>;
}

export interface TestRedirectServerOptions {
  address: string;
  /** Location header for a request path; without it, the server responds with 200 instead of redirecting. */
  location?: (path: string) => string;
  status?: number;
}

/** Starts HTTPS servers on the same random port, one per options entry, and returns them in order. */
export async function startHttpsServers(list: TestHttpsServerOptions[]): Promise<TestServer[]> {
  return startOnSharedPort(list.length, (index, port) => {
    const options = list[index];
    if (options === undefined) throw new Error(`no options for server ${index}`);
    return startHttpsServer(options, port);
  });
}

/** Starts one HTTPS server that responds to every request with a fixed status and body. Port 0 picks a random port. */
export async function startHttpsServer(options: TestHttpsServerOptions, port = 0): Promise<TestServer> {
  assertLoopback(options.address);
  let requests = 0;
  const legacy = options.acceptLegacyTls === true;
  const server = https.createServer(
    {
      key: options.key,
      cert: options.cert,
      minVersion: legacy ? 'TLSv1' : options.minVersion,
      maxVersion: options.maxVersion,
      // OpenSSL 3 rejects TLS 1.0 and 1.1 at its default security level 1.
      ciphers: legacy ? 'DEFAULT@SECLEVEL=0' : undefined,
    },
    (request, response) => {
      requests += 1;
      response.writeHead(options.status ?? 200, { 'content-type': 'text/plain' });
      response.end(options.body ?? `hello from ${options.address}`);
    },
  );
  return listen(server, options.address, port, () => requests);
}

/** Starts plain HTTP servers on the same random port, such as the port 80 listeners of several hosts. */
export async function startRedirectServers(list: TestRedirectServerOptions[]): Promise<TestServer[]> {
  return startOnSharedPort(list.length, (index, port) => {
    const options = list[index];
    if (options === undefined) throw new Error(`no options for server ${index}`);
    return startRedirectServer(options, port);
  });
}

/** Starts one plain HTTP server that redirects every request to `location(path)`. */
export async function startRedirectServer(options: TestRedirectServerOptions, port = 0): Promise<TestServer> {
  assertLoopback(options.address);
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests += 1;
    if (options.location === undefined) {
      response.writeHead(options.status ?? 200);
      response.end('plain http');
      return;
    }
    response.writeHead(options.status ?? 301, { location: options.location(request.url ?? '/') });
    response.end();
  });
  return listen(server, options.address, port, () => requests);
}

/**
 * Starts `count` servers on one port: the first on a random port, the others on the same
 * port at their own addresses. Tries again with a new port when that port is taken.
 */
async function startOnSharedPort(count: number, start: (index: number, port: number) => Promise<TestServer>): Promise<TestServer[]> {
  const maxAttempts = 5;
  for (let attempt = 1; ; attempt += 1) {
    const started: TestServer[] = [];
    try {
      const first = await start(0, 0);
      started.push(first);
      for (let index = 1; index < count; index += 1) started.push(await start(index, first.port));
      return started;
    } catch (error) {
      await Promise.all(started.map((server) => server.stop()));
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt === maxAttempts) throw error;
    }
  }
}

function listen(server: http.Server | https.Server, address: string, port: number, requestCount: () => number): Promise<TestServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      resolve({
        address,
        port: bound.port,
        requestCount,
        stop: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function assertLoopback(address: string): void {
  if (!address.startsWith('127.') && address !== '::1') {
    throw new Error(`test server address ${address} is not a loopback address. Use 127.0.0.0/8 or ::1`);
  }
}

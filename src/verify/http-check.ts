import http from 'node:http';
import https from 'node:https';
import type { CheckResult } from './types.js';
import { classifyConnectError, errorCode } from './unreachable.js';

/** Maximum number of response body bytes read for the body check; the connection is closed after them. */
const MAX_BODY_BYTES = 1024 * 1024;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpsCheckOptions {
  address: string;
  port: number;
  /** Name sent in SNI and in the Host header. */
  name: string;
  path: string;
  /** Text the response body must contain. */
  expectBody?: string;
  timeoutMs: number;
}

export interface RedirectCheckOptions {
  address: string;
  /** Port of the plain HTTP listener, 80 in production. */
  httpPort: number;
  /** Port the redirect must point at; 443 means a URL without a port. */
  httpsPort: number;
  name: string;
  path: string;
  timeoutMs: number;
}

interface HttpResponse {
  status: number;
  location?: string;
  body: string;
}

/**
 * Sends GET `path` over HTTPS to one address, with SNI and Host set to `name`, and checks
 * for a 2xx status and, when given, the expected body text. The certificate is not
 * validated here because the TLS checks report on it separately.
 */
export async function checkHttps(options: HttpsCheckOptions): Promise<CheckResult> {
  let response: HttpResponse;
  try {
    response = await sendGet(https, {
      host: options.address,
      port: options.port,
      path: options.path,
      servername: options.name,
      headers: { host: hostHeader(options.name, options.port, 443) },
      rejectUnauthorized: false,
      timeoutMs: options.timeoutMs,
    });
  } catch (error) {
    return { status: 'fail', detail: `GET ${options.path} over HTTPS failed: ${describeRequestError(error, options.port, options.timeoutMs)}` };
  }
  return evaluateHttpsResponse(options.path, response.status, response.body, options.expectBody);
}

/** Checks the status and, when `expectBody` is given, the body of an HTTPS response. */
export function evaluateHttpsResponse(
  path: string,
  status: number,
  body: string,
  expectBody: string | undefined,
): CheckResult {
  if (status < 200 || status > 299) {
    return { status: 'fail', detail: `GET ${path} returned HTTP ${status}, expected a 2xx status. Check the app's logs` };
  }
  if (expectBody !== undefined && !body.includes(expectBody)) {
    return {
      status: 'fail',
      detail: `GET ${path} returned HTTP ${status}, but the body does not contain "${expectBody}" (checked the first ${MAX_BODY_BYTES} bytes)`,
    };
  }
  const bodyNote = expectBody === undefined ? '' : ` with "${expectBody}" in the body`;
  return { status: 'pass', detail: `GET ${path} returned HTTP ${status}${bodyNote}` };
}

/** Sends GET `path` over plain HTTP to one address with Host set to `name`, and checks for a redirect to HTTPS. */
export async function checkHttpRedirect(options: RedirectCheckOptions): Promise<CheckResult> {
  let response: HttpResponse;
  try {
    response = await sendGet(http, {
      host: options.address,
      port: options.httpPort,
      path: options.path,
      headers: { host: hostHeader(options.name, options.httpPort, 80) },
      timeoutMs: options.timeoutMs,
    });
  } catch (error) {
    return {
      status: 'fail',
      detail: `GET ${options.path} over HTTP on port ${options.httpPort} failed: ${describeRequestError(error, options.httpPort, options.timeoutMs)}`,
    };
  }
  return evaluateRedirect(response.status, response.location, options);
}

/**
 * Checks that a plain HTTP response redirects to `https://NAME/...`: a 301, 302, 303,
 * 307 or 308 status with an absolute https Location on `name` (case-insensitive, a
 * trailing dot ignored) and on `httpsPort`.
 */
export function evaluateRedirect(
  status: number,
  location: string | undefined,
  expectation: { name: string; httpPort: number; httpsPort: number },
): CheckResult {
  const { name, httpPort, httpsPort } = expectation;
  const source = `port ${httpPort}`;
  const expected = `https://${name}${httpsPort === 443 ? '' : `:${httpsPort}`}/...`;
  const fix = `Configure ${source} to redirect to ${expected}`;

  if (!REDIRECT_STATUSES.has(status)) {
    return { status: 'fail', detail: `${source} returned HTTP ${status}, not a redirect. ${fix}` };
  }
  if (location === undefined) {
    return { status: 'fail', detail: `${source} returned HTTP ${status} without a Location header. ${fix}` };
  }

  let target: URL;
  try {
    target = new URL(location);
  } catch {
    return { status: 'fail', detail: `${source} redirects to "${location}", which is not an absolute URL. ${fix}` };
  }

  const targetPort = target.port === '' ? 443 : Number(target.port);
  const sameName = canonicalName(target.hostname) === canonicalName(name);
  if (target.protocol !== 'https:' || !sameName || targetPort !== httpsPort) {
    return { status: 'fail', detail: `${source} redirects to ${location}, expected ${expected}. ${fix}` };
  }
  return { status: 'pass', detail: `${source} redirects with HTTP ${status} to ${location}` };
}

interface GetOptions extends https.RequestOptions {
  timeoutMs: number;
}

/** Sends one GET request and reads at most MAX_BODY_BYTES of the body, then closes the connection. */
function sendGet(client: typeof http | typeof https, options: GetOptions): Promise<HttpResponse> {
  const { timeoutMs, ...requestOptions } = options;
  return new Promise((resolve, reject) => {
    const request = client.request({ ...requestOptions, method: 'GET', agent: false, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      const finish = () => {
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        request.destroy();
      };

      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk.subarray(0, MAX_BODY_BYTES - received));
        received += chunk.length;
        if (received >= MAX_BODY_BYTES) finish();
      });
      response.on('end', finish);
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function describeRequestError(error: unknown, port: number, timeoutMs: number): string {
  const code = errorCode(error);
  if (code === 'ABORT_ERR' || (error instanceof Error && error.name === 'TimeoutError')) {
    return `no response within ${timeoutMs} ms`;
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') {
    return classifyConnectError(error, port, timeoutMs).message;
  }
  return error instanceof Error ? error.message : String(error);
}

function hostHeader(name: string, port: number, defaultPort: number): string {
  return port === defaultPort ? name : `${name}:${port}`;
}

function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

import { isIP } from 'node:net';
import { InputError } from '../errors.js';

export interface HostTarget {
  user: string;
  address: string;
  port: number;
}

const DEFAULT_SSH_PORT = 22;

/**
 * Parses `user@address[:port]`, with an IPv6 address in brackets
 * (`deploy@[2001:db8::5]:2222`). The user is required.
 */
export function parseHostTarget(text: string, optionName = '--host'): HostTarget {
  const hint = `Use ${optionName} user@address[:port], with an IPv6 address in brackets (deploy@[2001:db8::5]:2222).`;
  const at = text.lastIndexOf('@');
  if (at <= 0) throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: the login user is missing.`, { hint });
  const user = text.slice(0, at);
  const rest = text.slice(at + 1);

  let address: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: "[" has no closing "]".`, { hint });
    address = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) {
      throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: unexpected text after "]".`, { hint });
    }
    portText = after === '' ? undefined : after.slice(1);
    if (isIP(address) !== 6) throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: ${address} in brackets is not an IPv6 address.`, { hint });
  } else {
    const colons = rest.split(':').length - 1;
    if (colons > 1) throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: an IPv6 address must be in brackets.`, { hint });
    [address, portText] = colons === 1 ? (rest.split(':') as [string, string]) : [rest, undefined];
  }

  validateUser(user, text, optionName, hint);
  validateAddress(address, text, optionName, hint);
  const port = portText === undefined ? DEFAULT_SSH_PORT : parsePort(portText, `${optionName} ${text}`);
  return { user, address, port };
}

export function parsePort(text: string, where: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new InputError(`invalid port ${JSON.stringify(text)} in ${where}: expected a whole number from 1 to 65535.`);
  }
  return port;
}

function validateUser(user: string, text: string, optionName: string, hint: string): void {
  // The POSIX portable user name characters; anything else is a typo or an injection attempt.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(user)) {
    throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: ${JSON.stringify(user)} is not a valid user name.`, { hint });
  }
}

/** Accepts IP addresses and DNS host names only. */
export function isValidAddress(address: string): boolean {
  if (isIP(address) !== 0) return true;
  // All-numeric dotted names such as 127.0.0.300 are mistyped IPv4 addresses, not host names.
  if (/^[\d.]+$/.test(address)) return false;
  return address.length <= 253 && /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(address);
}

function validateAddress(address: string, text: string, optionName: string, hint: string): void {
  if (!isValidAddress(address)) {
    throw new InputError(`invalid ${optionName} value ${JSON.stringify(text)}: ${JSON.stringify(address)} is neither an IP address nor a host name.`, { hint });
  }
}

/** Formats an address for display and known_hosts, with brackets around IPv6. */
export function formatAddress(address: string, port: number): string {
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return port === DEFAULT_SSH_PORT && isIP(address) !== 6 ? host : `${host}:${port}`;
}

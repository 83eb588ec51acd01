/**
 * DNS name rules of RFC 6125 section 6.4 and the CA/Browser Forum Baseline
 * Requirements, as browsers apply them:
 * - Names compare case-insensitively and ignore one trailing dot.
 * - A wildcard is only a whole left-most label (`*.example.com`) and matches exactly
 *   one label, so it covers `www.example.com` but neither `example.com` nor
 *   `a.b.example.com`.
 * - Partial-label wildcards (`w*.example.com`) and wildcards directly under a
 *   top-level domain (`*.com`) match nothing.
 * - The subjectAltName DNS entries are the names. The subject CN counts only when the
 *   certificate has no DNS entry in its subjectAltName.
 */
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { InputError } from '../errors.js';

export interface CertificateNames {
  /** Normalised DNS names: lower case, no trailing dot. */
  names: string[];
  /** Source of the names. 'commonName' means the certificate has no subjectAltName DNS entry. */
  source: 'subjectAltName' | 'commonName' | 'none';
}

/** One `TYPE:value` entry of a subjectAltName, e.g. `{ type: 'DNS', value: 'www.example.com' }`. */
export interface SubjectAltNameEntry {
  type: string;
  value: string;
}

const MAX_NAME_LENGTH = 253;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lower-cases `name` and removes one trailing dot. */
export function normaliseDnsName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Validates a `--domain` value and returns it normalised. Internationalised names
 * are converted to their ASCII form (`bücher.example` becomes `xn--bcher-kva.example`),
 * which is the form certificates contain. Throws InputError for an empty name, a
 * wildcard, an IP address or a name that is not valid DNS syntax.
 */
export function validateDomainName(domain: string): string {
  const trimmed = domain.trim();
  if (trimmed === '') {
    throw new InputError('--domain is empty.', { hint: 'Pass a DNS name such as www.example.com.' });
  }
  if (trimmed.includes('*')) {
    throw new InputError(`--domain "${domain}" is a wildcard, but certfleet checks and verifies concrete names.`, {
      hint: 'Pass each name that must be served, such as www.example.com.',
    });
  }
  if (isIP(trimmed) !== 0) {
    throw new InputError(`--domain "${domain}" is an IP address, but certfleet checks DNS names only.`, {
      hint: 'Pass the DNS name that clients use.',
    });
  }

  const ascii = /^[\x00-\x7f]*$/.test(trimmed) ? trimmed : domainToASCII(trimmed);
  const name = normaliseDnsName(ascii);
  if (!isValidDnsName(name)) {
    throw new InputError(`--domain "${domain}" is not a valid DNS name.`, {
      hint: 'Use letters, digits and hyphens in dot-separated labels of at most 63 characters, such as www.example.com.',
    });
  }
  return name;
}

function isValidDnsName(name: string): boolean {
  if (name === '' || name.length > MAX_NAME_LENGTH) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/**
 * Returns the certificate's DNS names: its subjectAltName DNS entries, or its subject
 * common names when it has no subjectAltName DNS entry.
 */
export function certificateDnsNames(certificate: X509Certificate): CertificateNames {
  const altNames = parseSubjectAltName(certificate.subjectAltName ?? '')
    .filter((entry) => entry.type === 'DNS')
    .map((entry) => normaliseDnsName(entry.value));
  if (altNames.length > 0) {
    return { names: unique(altNames), source: 'subjectAltName' };
  }

  const commonNames = subjectCommonNames(certificate).map(normaliseDnsName);
  if (commonNames.length > 0) {
    return { names: unique(commonNames), source: 'commonName' };
  }
  return { names: [], source: 'none' };
}

/** Returns whether any of the certificate `names` covers `domain`, by the rules above. */
export function certificateCoversName(names: readonly string[], domain: string): boolean {
  return findCoveringName(names, domain) !== undefined;
}

/** Returns the first of `names` that covers `domain`, or undefined. */
export function findCoveringName(names: readonly string[], domain: string): string | undefined {
  const normalisedDomain = normaliseDnsName(domain);
  return names.find((name) => nameCovers(normaliseDnsName(name), normalisedDomain));
}

function nameCovers(pattern: string, domain: string): boolean {
  if (pattern === domain) return true;
  if (!pattern.startsWith('*.')) return false;

  // The suffix keeps its leading dot: "*.example.com" gives ".example.com".
  const suffix = pattern.slice(1);
  const suffixLabels = suffix.split('.').length - 1;
  if (suffixLabels < 2 || suffix.includes('*')) return false;
  if (!domain.endsWith(suffix)) return false;

  const wildcardLabel = domain.slice(0, -suffix.length);
  return wildcardLabel !== '' && !wildcardLabel.includes('.');
}

/**
 * Parses node's X509Certificate.subjectAltName text, e.g.
 * `DNS:example.com, DNS:*.example.com, IP Address:127.0.0.1`. Node 20 writes a value
 * that contains a comma, quote or other special character as a JSON string
 * (`DNS:"a,b.example"`), so such values are decoded with JSON.parse.
 */
export function parseSubjectAltName(text: string): SubjectAltNameEntry[] {
  const entries: SubjectAltNameEntry[] = [];
  let index = 0;

  while (index < text.length) {
    const colon = text.indexOf(':', index);
    if (colon === -1) break;
    const type = text.slice(index, colon);
    let end: number;
    let value: string;

    if (text[colon + 1] === '"') {
      end = endOfJsonString(text, colon + 1);
      value = JSON.parse(text.slice(colon + 1, end)) as string;
    } else {
      end = text.indexOf(', ', colon + 1);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }

    entries.push({ type, value });
    index = end + ', '.length;
  }
  return entries;
}

/** Returns the index just after the closing quote of the JSON string that opens at `start`. */
function endOfJsonString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const character = text[index];
    if (character === '\\') {
      index += 2;
    } else if (character === '"') {
      return index + 1;
    } else {
      index += 1;
    }
  }
  return text.length;
}

function subjectCommonNames(certificate: X509Certificate): string[] {
  const commonName = certificate.toLegacyObject().subject?.CN as string | string[] | undefined;
  if (commonName === undefined) return [];
  return Array.isArray(commonName) ? commonName : [commonName];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

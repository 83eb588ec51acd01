/**
 * The certificate check that `certfleet check-cert` runs, and every deploy runs first.
 * It reads and repairs the files, finds the leaf by its key and orders the chain. Then
 * it checks that the chain ends in the trust store, that every domain is covered and
 * that no certificate has expired.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { InputError } from '../errors.js';
import { buildChain, type ChainResult } from './chain.js';
import { formatDistinguishedName, quoteSubject } from './describe.js';
import { readCertificateInputs } from './inputs.js';
import { loadPrivateKey } from './key.js';
import { findLeafForKey } from './leaf.js';
import { certificateDnsNames, findCoveringName, validateDomainName } from './names.js';
import { throwIfProblems, type CertificateProblem } from './problems.js';
import { loadTrustStore, type TrustStore } from './trust-store.js';
import { certificateValidity, checkValidity, daysUntil, DEFAULT_WARN_DAYS, type ValidityFindings } from './validity.js';

export interface CheckCertificateRequest {
  certPath: string;
  keyPath: string;
  /** DNS names the certificate must cover, at least one. */
  domains: string[];
  /** Extra trusted CA files (`--ca`), added to the system trust store. */
  caPaths?: string[];
  /** Number of days before expiry at which a warning starts. Defaults to DEFAULT_WARN_DAYS. */
  warnDays?: number;
  /** Time at which validity is checked. Defaults to the current time. */
  now?: Date;
  /** Passphrase of an encrypted key, from CERTFLEET_KEY_PASSPHRASE. An empty string counts as not given. */
  keyPassphrase?: string;
  /** System CA bundle candidates in place of the default list. The first readable one is used, and an empty list reads none. */
  trustStorePaths?: string[];
  /** Trust store loaded beforehand, e.g. once for many checks. When given, `caPaths` and `trustStorePaths` are ignored. */
  trustStore?: TrustStore;
}

/** A certificate as shown to the user. */
export interface CertificateInfo {
  /** Subject on one line, e.g. "CN=www.example.com". */
  subject: string;
  issuer: string;
  /** Serial number in upper-case hex, as node's X509Certificate.serialNumber. */
  serial: string;
  /** SHA-256 fingerprint exactly as node's X509Certificate.fingerprint256 (colon-separated upper-case hex). */
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  /** Whole days until notAfter at the time of the check, rounded down. */
  daysLeft: number;
}

export interface LeafInfo extends CertificateInfo {
  /** DNS names the leaf covers, normalised to lower case. */
  names: string[];
  /** Source of `names`: subjectAltName, or the subject CN when the leaf has no subjectAltName DNS entry. */
  namesSource: 'subjectAltName' | 'commonName' | 'none';
}

export interface CheckedCertificate {
  /** Leaf then intermediates, PEM with LF endings and a final newline: the bytes to upload. */
  chainPem: string;
  /**
   * Unencrypted private key PEM with LF endings and a final newline: the bytes to upload.
   * The property is non-enumerable, so JSON.stringify, util.inspect, pino and object
   * spread leave it out, and logging the whole result does not leak the key.
   */
  keyPem: string;
  /** Hex SHA-256 of the UTF-8 bytes of chainPem, to compare with the file on a host. */
  chainSha256: string;
  /** Hex SHA-256 of the UTF-8 bytes of keyPem, to compare with the file on a host. */
  keySha256: string;
  leaf: LeafInfo;
  /** Intermediates in chain order, from the leaf's issuer upwards. */
  intermediates: CertificateInfo[];
  /** The trusted certificate the chain ends in, and the file or list it was trusted from. */
  trustAnchor: CertificateInfo & { source: string };
  /** Each requested domain, normalised, with the certificate name that covers it. */
  domains: Array<{ domain: string; coveredBy: string }>;
  /** Key algorithm and size, e.g. "EC prime256v1", and whether it was decrypted from an encrypted file. */
  key: { description: string; decrypted: boolean };
  /** Normalisations made, one line each, prefixed with the file. */
  repairs: string[];
  warnings: string[];
}

/**
 * Checks a certificate, its chain and its key, and returns the normalised chain and
 * key to upload. Throws InputError without `file` for invalid `domains` or `warnDays`,
 * and CertificateCheckError (an InputError with `file` set) for problems in the files.
 *
 * Problems that stop the check early (unreadable files, wrong file roles, an unusable
 * or mismatched key, an invalid --ca file) are thrown alone. The remaining ones (chain,
 * names and validity) are collected and thrown together, one line each.
 */
export async function checkCertificateFiles(request: CheckCertificateRequest): Promise<CheckedCertificate> {
  const domains = validateDomains(request.domains);
  const warnDays = validateWarnDays(request.warnDays ?? DEFAULT_WARN_DAYS);
  const now = request.now ?? new Date();
  const files = { certPath: request.certPath, keyPath: request.keyPath };

  const inputs = await readCertificateInputs(request.certPath, request.keyPath);
  const key = loadPrivateKey(inputs.key, request.keyPassphrase);
  const leaf = findLeafForKey(inputs.certificates, key.keyObject, files);
  const store =
    request.trustStore ?? (await loadTrustStore({ caPaths: request.caPaths, systemBundlePaths: request.trustStorePaths }));

  const problems: CertificateProblem[] = [];
  const warnings: string[] = [...store.warnings, ...key.warnings];
  const repairs: string[] = [...inputs.repairs, ...key.repairs, ...store.repairs];

  const chain = buildChain(leaf, inputs.certificates, store, request.certPath);
  problems.push(...chain.problems);
  repairs.push(...chain.repairs);

  const names = certificateDnsNames(leaf);
  const coverage = checkNames(names.names, domains, request.certPath, leaf);
  problems.push(...coverage.problems);
  if (names.source === 'commonName') {
    warnings.push(
      `${request.certPath}: the leaf certificate has no subjectAltName, so its name was taken from the CN. Current browsers ignore the CN and reject such a certificate, so reissue it with a subjectAltName`,
    );
  }

  const validity = checkChainValidity(chain, request.certPath, now, warnDays);
  problems.push(...validity.problems);
  warnings.push(...validity.warnings);

  throwIfProblems(problems);
  const anchor = chain.anchor;
  if (!anchor) {
    throw new Error('buildChain returned neither a trust anchor nor a problem');
  }

  const chainPem = chain.chain.map((certificate) => certificate.toString()).join('');
  const checked = {
    chainPem,
    chainSha256: sha256Hex(chainPem),
    keySha256: sha256Hex(key.pem),
    leaf: { ...describeForUser(leaf, now), names: names.names, namesSource: names.source },
    intermediates: chain.chain.slice(1).map((certificate) => describeForUser(certificate, now)),
    trustAnchor: { ...describeForUser(anchor.certificate, now), source: anchor.source },
    domains: coverage.covered,
    key: { description: key.description, decrypted: key.encrypted },
    repairs,
    warnings,
  };
  Object.defineProperty(checked, 'keyPem', { value: key.pem, enumerable: false });
  return checked as CheckedCertificate;
}

/** Returns the hex SHA-256 of the UTF-8 bytes of `text`, the digest compared with files on hosts. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function checkNames(
  names: string[],
  domains: string[],
  file: string,
  leaf: X509Certificate,
): { covered: Array<{ domain: string; coveredBy: string }>; problems: CertificateProblem[] } {
  const covered: Array<{ domain: string; coveredBy: string }> = [];
  const missing: string[] = [];

  for (const domain of domains) {
    const coveredBy = findCoveringName(names, domain);
    if (coveredBy === undefined) missing.push(domain);
    else covered.push({ domain, coveredBy });
  }
  if (missing.length === 0) return { covered, problems: [] };

  const has = names.length > 0 ? names.join(', ') : 'no DNS name at all';
  return {
    covered,
    problems: [{
      kind: 'name-not-covered',
      file,
      reason: `the leaf certificate "${formatDistinguishedName(leaf.subject)}" does not cover ${missing.join(', ')}. It covers ${has}.`,
      hint: 'Request a certificate that lists every --domain in its subjectAltName, or drop the names it does not cover.',
    }],
  };
}

/**
 * Checks the validity of every certificate on the path from the leaf to the trust
 * anchor, anchor included. A certificate sent beyond that path (see
 * ChainResult.pathLength) that is expired or not yet valid is only a warning, because
 * clients that trust the anchor never use it.
 */
function checkChainValidity(chain: ChainResult, file: string, now: Date, warnDays: number): ValidityFindings {
  const findings: ValidityFindings = { problems: [], warnings: [] };
  const leaf = chain.chain[0];

  chain.chain.forEach((certificate, index) => {
    const role = index === 0 ? 'leaf certificate' : 'intermediate certificate';
    const result = checkValidity(certificate, role, file, now, warnDays);

    if (index < chain.pathLength) {
      findings.problems.push(...result.problems);
      findings.warnings.push(...result.warnings);
      return;
    }
    for (const problem of result.problems) {
      findings.warnings.push(`${file}: ${problem.reason} Clients that trust ${quoteSubject(chain.anchor?.certificate ?? certificate)} do not use it, so it can be removed from the file`);
    }
  });

  // A self-signed leaf is its own trust anchor, so it is checked once, as the leaf.
  const anchor = chain.anchor?.certificate;
  if (anchor && anchor.fingerprint256 !== leaf?.fingerprint256) {
    const result = checkValidity(anchor, 'trusted CA certificate', file, now, warnDays);
    findings.problems.push(...result.problems);
    findings.warnings.push(...result.warnings);
  }
  return findings;
}

function describeForUser(certificate: X509Certificate, now: Date): CertificateInfo {
  const { notBefore, notAfter } = certificateValidity(certificate);
  return {
    subject: formatDistinguishedName(certificate.subject),
    issuer: formatDistinguishedName(certificate.issuer),
    serial: certificate.serialNumber,
    fingerprint256: certificate.fingerprint256,
    notBefore,
    notAfter,
    daysLeft: daysUntil(notAfter, now),
  };
}

function validateDomains(domains: readonly string[]): string[] {
  if (domains.length === 0) {
    throw new InputError('no --domain was given.', { hint: 'Pass each DNS name the certificate must cover with --domain NAME.' });
  }
  return [...new Set(domains.map(validateDomainName))];
}

function validateWarnDays(warnDays: number): number {
  if (!Number.isInteger(warnDays) || warnDays < 0) {
    throw new InputError(`--warn-days must be a whole number of days, 0 or more, but got ${warnDays}.`);
  }
  return warnDays;
}

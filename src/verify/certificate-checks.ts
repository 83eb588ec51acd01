import type { X509Certificate } from 'node:crypto';
import { describeCertificate, formatDistinguishedName } from '../certs/describe.js';
import { certificateCoversName, certificateDnsNames } from '../certs/names.js';
import { certificateValidity, daysUntil, formatDate } from '../certs/validity.js';
import type { CheckResult } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Compares the served leaf with the expected certificate by SHA-256 fingerprint. */
export function checkExpectedCertificate(served: X509Certificate, expected: X509Certificate | undefined): CheckResult {
  if (expected === undefined) {
    return { status: 'skipped', detail: 'no expected certificate given' };
  }
  if (served.fingerprint256 === expected.fingerprint256) {
    return { status: 'pass', detail: `serves the expected certificate ${served.fingerprint256}` };
  }
  const { notAfter } = certificateValidity(served);
  return {
    status: 'fail',
    detail:
      `serves SHA-256 ${served.fingerprint256}, expected ${expected.fingerprint256}. ` +
      `The served certificate is ${describeCertificate(served)}, issued by "${formatDistinguishedName(served.issuer)}", expiring ${formatDate(notAfter)}. ` +
      'Deploy the expected certificate to this server, or find out what answers at this address',
  };
}

/** Explanations of the OpenSSL verify error codes a misconfigured server causes most often. */
const CHAIN_ERROR_EXPLANATIONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the issuer of the leaf is neither sent by the server nor in the trust store. Configure the server to send the intermediate certificates after the leaf, or trust the issuing CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the chain does not reach a certificate in the trust store. Configure the server to send the full chain without the root, or trust the issuing CA',
  UNABLE_TO_GET_ISSUER_CERT:
    'an issuer in the chain is missing. Configure the server to send every intermediate certificate',
  SELF_SIGNED_CERT_IN_CHAIN:
    'the chain ends at a self-signed root that is not in the trust store. Trust that root CA, or use a certificate from a trusted CA',
  DEPTH_ZERO_SELF_SIGNED_CERT:
    'the certificate is self-signed and not in the trust store. Trust it explicitly, or use a certificate from a trusted CA',
  CERT_HAS_EXPIRED: 'a certificate in the chain has expired. Renew it',
  CERT_NOT_YET_VALID: 'a certificate in the chain is not valid yet. Check the clocks, or wait for its start date',
  CERT_SIGNATURE_FAILURE: 'a signature in the chain does not verify. The chain is damaged or mixes certificates of different CAs',
  INVALID_CA: 'an intermediate in the chain is not a CA certificate. Send the right intermediate',
};

/**
 * Reports whether the chain the server sent validated against the trust store.
 * `chainError` is OpenSSL's verify error code from the handshake.
 */
export function checkChain(chainValid: boolean, chainError: string | undefined): CheckResult {
  if (chainValid) {
    return { status: 'pass', detail: 'the chain the server sent validates against the trust store' };
  }
  const code = chainError ?? 'unknown error';
  const explanation = CHAIN_ERROR_EXPLANATIONS[code] ?? 'the chain the server sent does not validate against the trust store';
  return { status: 'fail', detail: `chain invalid (${code}): ${explanation}` };
}

/**
 * Reports whether the certificate covers `name`: by its subjectAltName DNS entries,
 * or by its subject common name when it has none (the rules of src/certs/names.ts).
 */
export function checkNameCovered(served: X509Certificate, name: string): CheckResult {
  const { names, source } = certificateDnsNames(served);
  if (certificateCoversName(names, name)) {
    return { status: 'pass', detail: `the certificate covers ${name}` };
  }
  const listed = names.length > 0 ? `${source} ${names.join(', ')}` : 'no DNS names';
  return {
    status: 'fail',
    detail: `the certificate does not cover ${name} (it lists ${listed}). Use a certificate whose subjectAltName includes ${name}`,
  };
}

/** Validity of the served leaf at `now`, and its whole days left until expiry. */
export interface ValidityCheck extends CheckResult {
  daysLeft: number;
  validTo: string;
}

/**
 * Checks the validity period of the served leaf. A certificate with fewer than
 * `warnDays` whole days left gets a warning, and one outside its period fails.
 */
export function checkValidity(served: X509Certificate, now: Date, warnDays: number): ValidityCheck {
  const { notBefore, notAfter } = certificateValidity(served);
  const daysLeft = daysUntil(notAfter, now);
  const validTo = notAfter.toISOString();

  if (now < notBefore) {
    return {
      status: 'fail',
      daysLeft,
      validTo,
      detail: `the certificate is not valid before ${formatDate(notBefore)}. Check the server's certificate and this machine's clock`,
    };
  }
  if (now > notAfter) {
    // daysLeft rounds down, so -daysLeft would overstate the days since expiry by one.
    const daysAgo = Math.max(1, Math.floor((now.getTime() - notAfter.getTime()) / DAY_MS));
    return { status: 'fail', daysLeft, validTo, detail: `the certificate expired on ${formatDate(notAfter)}, ${formatDays(daysAgo)} ago. Renew it and deploy again` };
  }
  if (daysLeft < warnDays) {
    return {
      status: 'warn',
      daysLeft,
      validTo,
      detail: `the certificate expires on ${formatDate(notAfter)}, in ${formatDays(daysLeft)}, under the warning threshold of ${warnDays} days. Renew it`,
    };
  }
  return { status: 'pass', daysLeft, validTo, detail: `the certificate is valid until ${formatDate(notAfter)} (${formatDays(daysLeft)} left)` };
}

function formatDays(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

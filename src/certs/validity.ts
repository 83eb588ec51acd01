/** Validity periods: expired and not-yet-valid certificates, and expiry warnings in days. */
import type { X509Certificate } from 'node:crypto';
import { quoteSubject } from './describe.js';
import type { CertificateProblem } from './problems.js';

export interface ValidityPeriod {
  notBefore: Date;
  notAfter: Date;
}

export interface ValidityFindings {
  problems: CertificateProblem[];
  warnings: string[];
}

/** Default of `--warn-days`: warn when a certificate expires within this many days. */
export const DEFAULT_WARN_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// The form OpenSSL's ASN1_TIME_print writes and node 20 returns, e.g. "Jan  1 00:00:00 2030 GMT".
const OPENSSL_TIME = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$/;

/** Returns the notBefore and notAfter dates of a certificate. */
export function certificateValidity(certificate: X509Certificate): ValidityPeriod {
  return { notBefore: parseOpensslTime(certificate.validFrom), notAfter: parseOpensslTime(certificate.validTo) };
}

/**
 * Parses a date in the form node's X509Certificate.validFrom and validTo use.
 * Throws RangeError for any other form, which would mean a node version with a new format.
 */
export function parseOpensslTime(text: string): Date {
  const match = OPENSSL_TIME.exec(text);
  const month = match ? MONTHS.indexOf(match[1] ?? '') : -1;
  if (!match || month === -1) {
    throw new RangeError(`unexpected certificate date format "${text}"`);
  }
  const [, , day, hours, minutes, seconds, year] = match;
  return new Date(Date.UTC(Number(year), month, Number(day), Number(hours), Number(minutes), Number(seconds)));
}

/** Returns the whole days from `now` until `notAfter`, rounded down, so negative once expired. */
export function daysUntil(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/**
 * Checks one certificate of the chain at `now`. Expired and not-yet-valid are problems,
 * and expiring within `warnDays` days is a warning. `role` names the certificate in messages.
 */
export function checkValidity(
  certificate: X509Certificate,
  role: string,
  file: string,
  now: Date,
  warnDays: number,
): ValidityFindings {
  const { notBefore, notAfter } = certificateValidity(certificate);
  const subject = quoteSubject(certificate);
  const problems: CertificateProblem[] = [];
  const warnings: string[] = [];

  if (now.getTime() > notAfter.getTime()) {
    const daysAgo = Math.floor((now.getTime() - notAfter.getTime()) / DAY_MS);
    problems.push({
      kind: 'expired',
      file,
      reason: `the ${role} ${subject} expired on ${formatDate(notAfter)} (${daysAgo === 0 ? 'less than a day' : `${daysAgo} day(s)`} ago).`,
      hint: role === 'leaf certificate' ? 'Renew it with your CA and pass the new certificate.' : 'Get the current chain from your CA.',
    });
  } else if (now.getTime() < notBefore.getTime()) {
    problems.push({
      kind: 'not-yet-valid',
      file,
      reason: `the ${role} ${subject} is not valid until ${formatDate(notBefore)}.`,
      hint: 'Check the clock of this machine, or deploy the certificate once it is valid.',
    });
  } else {
    const daysLeft = daysUntil(notAfter, now);
    if (daysLeft < warnDays) {
      warnings.push(
        `${file}: the ${role} ${subject} expires in ${daysLeft} day(s), on ${formatDate(notAfter)} (warning threshold: ${warnDays} days); renew it soon`,
      );
    }
  }

  return { problems, warnings };
}

/** Formats a date as UTC with minute precision, e.g. "2030-01-01 00:00 UTC". */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

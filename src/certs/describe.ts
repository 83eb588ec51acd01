import type { X509Certificate } from 'node:crypto';

/**
 * Formats a distinguished name from node's X509Certificate (one `KEY=value` per line,
 * in certificate order) as one line, e.g. `C=US, O=Example, CN=www.example.com`.
 * Node escapes commas inside values, so the result stays unambiguous.
 */
export function formatDistinguishedName(name: string): string {
  return name
    .split('\n')
    .filter((part) => part !== '')
    .join(', ');
}

/** Formats a certificate for messages: its subject in quotes and its serial number. */
export function describeCertificate(certificate: X509Certificate): string {
  return `"${formatDistinguishedName(certificate.subject)}" (serial ${certificate.serialNumber})`;
}

/** Formats a certificate's subject in quotes, for messages that need no serial number. */
export function quoteSubject(certificate: X509Certificate): string {
  return `"${formatDistinguishedName(certificate.subject)}"`;
}

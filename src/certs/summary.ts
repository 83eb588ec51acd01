/** The human summary of a checked certificate, printed by check-cert and before a deploy. */
import type { CheckedCertificate } from './check.js';
import { formatDate } from './validity.js';

/** Formats the summary: leaf, names, issuer chain, days left, key, repairs and warnings. Ends with a newline. */
export function formatCheckedCertificate(checked: CheckedCertificate): string {
  const { leaf, trustAnchor } = checked;
  const selfSigned = trustAnchor.fingerprint256 === leaf.fingerprint256;
  const issuers = selfSigned
    ? [`self-signed (trusted, from ${trustAnchor.source})`]
    : [...checked.intermediates.map((certificate) => certificate.subject), `${trustAnchor.subject} (trusted, from ${trustAnchor.source})`];
  const lines = [
    `Certificate OK for ${checked.domains.map((entry) => entry.domain).join(', ')}`,
    `  leaf:     ${leaf.subject} (serial ${leaf.serial})`,
    `  sha256:   ${leaf.fingerprint256}`,
    `  names:    ${leaf.names.join(', ')}${leaf.namesSource === 'commonName' ? ' (from the CN; no subjectAltName)' : ''}`,
    `  issuers:  ${issuers.join(' -> ')}`,
    `  expires:  ${formatDate(leaf.notAfter)} (${leaf.daysLeft} day(s) left)`,
    `  key:      ${checked.key.description}${checked.key.decrypted ? ', decrypted in memory' : ''}`,
  ];

  if (checked.repairs.length > 0) {
    lines.push('Repairs:', ...checked.repairs.map((repair) => `  - ${repair}`));
  }
  if (checked.warnings.length > 0) {
    lines.push('Warnings:', ...checked.warnings.map((warning) => `  - ${warning}`));
  }
  return `${lines.join('\n')}\n`;
}

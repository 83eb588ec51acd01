import Table from 'cli-table3';
import type { AddressReport, ProtocolOutcomes, VerifyReport } from '../verify/types.js';
import { TLS_VERSIONS } from '../verify/types.js';

/** Number of fingerprint bytes shown in the fingerprint column; problems and JSON have the whole fingerprint. */
const TABLE_FINGERPRINT_BYTES = 8;
/** Width in characters that problem lines are wrapped to. */
const PROBLEM_COLUMN_WIDTH = 72;

/**
 * Renders the report as a table with one row per address, followed by a summary line.
 * Fingerprints are shortened to their first bytes, and a problem names the full one.
 */
export function renderVerifyTable(report: VerifyReport): string {
  const table = new Table({
    head: ['Address', 'Host', 'Result', 'SHA-256 fingerprint', 'Days left', 'Protocols', 'Problem'],
    style: { head: [], border: [] },
  });

  for (const row of report.addresses) {
    table.push([
      row.address,
      row.hosts.length > 0 ? row.hosts.join('\n') : '-',
      row.result,
      shortenFingerprint(row.servedFingerprint),
      row.daysLeft === undefined ? '-' : String(row.daysLeft),
      formatProtocols(row.protocols),
      formatProblems(row),
    ]);
  }

  return `${describeTarget(report)}\n${table.toString()}\n${summarize(report)}\n`;
}

/** Renders the report as JSON, with the fields described in docs/verify-json.md. */
export function renderVerifyJson(report: VerifyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Lists the accepted TLS versions by number ("1.2 1.3"), marking versions that got no response with "?". */
export function formatProtocols(protocols: ProtocolOutcomes | undefined): string {
  if (protocols === undefined) return '-';
  const parts: string[] = [];
  for (const version of TLS_VERSIONS) {
    const number = version === 'TLSv1' ? '1.0' : version.slice('TLSv'.length);
    if (protocols[version] === 'accepted') parts.push(number);
    if (protocols[version] === 'unknown') parts.push(`${number}?`);
  }
  return parts.length > 0 ? parts.join(' ') : 'none';
}

function shortenFingerprint(fingerprint: string | undefined): string {
  if (fingerprint === undefined) return '-';
  const bytes = fingerprint.split(':');
  if (bytes.length <= TABLE_FINGERPRINT_BYTES) return fingerprint;
  return `${bytes.slice(0, TABLE_FINGERPRINT_BYTES).join(':')}…`;
}

function formatProblems(row: AddressReport): string {
  const lines = [...row.problems];
  for (const diagnosis of row.diagnoses ?? []) {
    lines.push(`diagnosis (${diagnosis.host}): ${diagnosis.message}`);
  }
  return lines.length > 0 ? lines.map((line) => wrapText(line, PROBLEM_COLUMN_WIDTH)).join('\n') : '-';
}

/**
 * Wraps text at spaces to lines of at most `width` characters, and splits a longer word
 * (a fingerprint) across lines. cli-table3's own wrapping would cut such a word off.
 */
export function wrapText(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = word;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

function describeTarget(report: VerifyReport): string {
  const resolver = report.dnsServer ?? 'the system resolver';
  return `${report.name} port ${report.port}: ${report.resolvedAddresses.length} address(es) from ${resolver}, checked ${report.checkedAt}`;
}

function summarize(report: VerifyReport): string {
  const counts = new Map<string, number>();
  for (const row of report.addresses) counts.set(row.result, (counts.get(row.result) ?? 0) + 1);
  const parts = [...counts.entries()].map(([result, count]) => `${count} ${result}`);
  const verdict = report.passed ? 'every address passed' : 'NOT every address passed';
  return `${report.name}: ${verdict} (${parts.join(', ')})`;
}

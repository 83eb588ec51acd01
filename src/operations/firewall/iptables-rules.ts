/** Pure text functions over `iptables -S` and iptables-save files, for IPv4 and IPv6 alike. */

/** Returns the rule certfleet adds, in the form `iptables -S` and iptables-save print it. */
export function acceptRuleSpec(port: number): string {
  return `-p tcp -m tcp --dport ${port} -j ACCEPT`;
}

/** Returns true for a catch-all: a REJECT or DROP that matches every packet reaching it, such as RHEL's final REJECT. */
export function isCatchAll(line: string): boolean {
  return /^-A INPUT -j (REJECT|DROP)( --reject-with \S+)?\s*$/.test(line.trim());
}

/** True when an INPUT rule accepts TCP to the port from anywhere. */
export function acceptsPort(line: string, port: number): boolean {
  const text = line.trim();
  if (!text.startsWith('-A INPUT ') || !/ -j ACCEPT\b/.test(text)) return false;
  if (/ (-s|--source|-i|--in-interface) /.test(` ${text} `)) return false;
  return new RegExp(`--dport ${port}(\\s|$)`).test(text) || new RegExp(`--dports (\\S*,)?${port}(,|\\s|$)`).test(text);
}

/** True when INPUT drops or rejects: a DROP policy or any DROP or REJECT rule. */
export function inputFilters(lines: readonly string[]): boolean {
  return lines.some((line) => /^-P INPUT DROP/.test(line) || /^-A INPUT .*-j (DROP|REJECT)\b/.test(line) || /^:INPUT DROP/.test(line));
}

/**
 * Returns the 1-based position in INPUT where the accept rule goes, which is just
 * before the first catch-all REJECT or DROP. Narrower DROP rules above it, such as
 * an administrator's blocklist, keep applying. Undefined means "append".
 */
export function insertPosition(inputRules: readonly string[]): number | undefined {
  const appended = inputRules.filter((line) => line.startsWith('-A INPUT '));
  const index = appended.findIndex(isCatchAll);
  return index < 0 ? undefined : index + 1;
}

/**
 * Adds the accept rule to an iptables-save file at the same place as at runtime:
 * before the first catch-all in the `*filter` table's INPUT rules, else after the
 * last INPUT rule, else just before that table's COMMIT. Returns the text unchanged
 * when the rule is already there.
 */
export function insertIntoSavedRules(text: string, port: number): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === '*filter');
  if (start < 0) {
    const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
    return `${body}*filter\n:INPUT ACCEPT [0:0]\n-A INPUT ${acceptRuleSpec(port)}\nCOMMIT\n`;
  }
  let end = lines.findIndex((line, index) => index > start && line.trim() === 'COMMIT');
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end);
  if (section.some((line) => acceptsPort(line, port))) return text;

  const rule = `-A INPUT ${acceptRuleSpec(port)}`;
  const catchAll = section.findIndex(isCatchAll);
  let at: number;
  if (catchAll >= 0) {
    at = start + 1 + catchAll;
  } else {
    const lastInput = section.map((line) => line.startsWith('-A INPUT ')).lastIndexOf(true);
    at = lastInput >= 0 ? start + 1 + lastInput + 1 : end;
  }
  return [...lines.slice(0, at), rule, ...lines.slice(at)].join('\n');
}

/**
 * Builds a saved-rules file from `iptables-save -t filter` output, keeping only the
 * built-in chains' policies and INPUT rules whose targets are built in. Chains of
 * other tools (Docker, fail2ban) are left out, because they recreate their own
 * rules and a saved copy would be stale at the next boot.
 */
export function savedRulesFromRuntime(iptablesSave: string): string {
  const keptLines: string[] = ['*filter'];
  for (const line of iptablesSave.split('\n')) {
    if (/^:(INPUT|FORWARD|OUTPUT) /.test(line)) keptLines.push(line.replace(/\[\d+:\d+\]/, '[0:0]'));
    else if (/^-A INPUT /.test(line) && /-j (ACCEPT|DROP|REJECT|LOG)\b/.test(line)) keptLines.push(line);
  }
  keptLines.push('COMMIT', '');
  return `# Written by certfleet from the running INPUT rules.\n${keptLines.join('\n')}`;
}

/** Counts the accept rules for the port in a saved file's `*filter` table. */
export function countSavedAcceptRules(text: string, port: number): number {
  return text.split('\n').filter((line) => acceptsPort(line, port)).length;
}

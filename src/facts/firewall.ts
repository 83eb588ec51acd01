export type FirewallKind = 'firewalld' | 'ufw' | 'nftables' | 'iptables' | 'none' | 'unknown';

export interface UfwStatus {
  installed: boolean;
  active: boolean;
  /** Rules as printed by `ufw status`, one per line, for the planners to read. */
  rules: UfwRule[];
}

export interface UfwRule {
  to: string;
  action: string;
  from: string;
  v6: boolean;
}

/** Parses `ufw status` output. Only ufw's own word counts: systemd calls ufw active even when it is disabled. */
export function parseUfwStatus(text: string | undefined): UfwStatus {
  if (text === undefined || text.trim() === '' || /not found|No such file/.test(text)) {
    return { installed: false, active: false, rules: [] };
  }
  const active = /^Status: active$/m.test(text);
  const rules: UfwRule[] = [];
  for (const line of text.split('\n')) {
    // "443/tcp (v6)               ALLOW IN    Anywhere (v6)" in verbose form, "ALLOW" in the short form.
    const match = /^(\S+(?: \(v6\))?)\s+((?:ALLOW|DENY|REJECT|LIMIT)(?: (?:IN|OUT|FWD))?)\s+(.+?)\s*$/.exec(line);
    if (!match) continue;
    const to = match[1]!;
    rules.push({ to: to.replace(' (v6)', ''), action: match[2]!, from: match[3]!, v6: to.endsWith('(v6)') || match[3]!.endsWith('(v6)') });
  }
  return { installed: true, active, rules };
}

export interface NftTable {
  family: string;
  name: string;
  /** True for tables that iptables-nft manages: those rules are iptables' own. */
  managedByIptables: boolean;
  /** True when a base chain hooked on input drops or rejects anything. */
  filtersInput: boolean;
  /** Names of the base chains hooked on input. */
  inputChains: string[];
  /** Rule lines of each input base chain, as listed (with `# handle N` where listed with -a). */
  inputChainRules: Record<string, string[]>;
}

/** Parses `nft list ruleset` (stderr included, where nft 1.0 prints its iptables-nft warnings). */
export function parseNftRuleset(text: string | undefined): NftTable[] {
  if (!text) return [];
  const warned = new Set<string>();
  for (const match of text.matchAll(/# Warning: table (\S+) (\S+) is managed by iptables-nft/g)) {
    warned.add(`${match[1]} ${match[2]}`);
  }

  const tables: NftTable[] = [];
  let table: { family: string; name: string; chains: Map<string, string[]>; comment: string } | undefined;
  let chain: string | undefined;
  const finish = () => {
    if (!table) return;
    tables.push(summariseTable(table, warned));
    table = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const tableMatch = /^table (\S+) (\S+) \{/.exec(line);
    if (tableMatch) {
      finish();
      table = { family: tableMatch[1]!, name: tableMatch[2]!, chains: new Map(), comment: line };
      chain = undefined;
      continue;
    }
    if (!table) continue;
    const chainMatch = /^chain (\S+) \{/.exec(line);
    if (chainMatch) {
      chain = chainMatch[1]!;
      table.chains.set(chain, []);
      continue;
    }
    if (line.startsWith('comment ') || line.includes('iptables-nft')) table.comment += ` ${line}`;
    if (chain && line !== '}' && line !== '') table.chains.get(chain)!.push(line);
    if (line === '}' && chain) chain = undefined;
    else if (line === '}' && !chain) finish();
  }
  finish();
  return tables;
}

function summariseTable(
  table: { family: string; name: string; chains: Map<string, string[]>; comment: string },
  warned: Set<string>,
): NftTable {
  const inputChains: string[] = [];
  const inputChainRules: Record<string, string[]> = {};
  let filtersInput = false;
  for (const [name, lines] of table.chains) {
    const hook = lines.find((line) => /^type filter hook input\b/.test(line));
    if (!hook) continue;
    inputChains.push(name);
    inputChainRules[name] = lines.filter((line) => line !== hook);
    if (/policy drop;/.test(hook)) filtersInput = true;
    if (chainFilters(lines.slice(1), table.chains, new Set([name]))) filtersInput = true;
  }
  const chainNames = [...table.chains.keys()];
  const iptablesShape = (table.family === 'ip' || table.family === 'ip6') && chainNames.includes('INPUT');
  return {
    family: table.family,
    name: table.name,
    managedByIptables: warned.has(`${table.family} ${table.name}`) || /iptables-nft/.test(table.comment) || iptablesShape,
    filtersInput,
    inputChains,
    inputChainRules,
  };
}

function chainFilters(lines: string[], chains: Map<string, string[]>, seen: Set<string>): boolean {
  for (const line of lines) {
    if (/(^|\s)(drop|reject)(\s|$)/.test(line.replace(/comment ".*"$/, ''))) return true;
    const jump = /(?:jump|goto) (\S+)/.exec(line);
    if (jump && !seen.has(jump[1]!) && chains.has(jump[1]!)) {
      seen.add(jump[1]!);
      if (chainFilters(chains.get(jump[1]!)!, chains, seen)) return true;
    }
  }
  return false;
}

/** True when `iptables -S` output drops or rejects incoming traffic (a DROP policy or a DROP/REJECT rule reached from INPUT). */
export function iptablesFilters(text: string | undefined): boolean {
  if (!text) return false;
  const rules = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const policy = /^-P INPUT (DROP|REJECT)/.exec(line);
    if (policy) return true;
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule) {
      const list = rules.get(rule[1]!) ?? [];
      list.push(rule[2]!);
      rules.set(rule[1]!, list);
    }
  }
  const reaches = (chain: string, seen: Set<string>): boolean => {
    for (const rule of rules.get(chain) ?? []) {
      const target = /-j (\S+)/.exec(rule)?.[1];
      if (target === 'DROP' || target === 'REJECT') return true;
      if (target && rules.has(target) && !seen.has(target)) {
        seen.add(target);
        if (reaches(target, seen)) return true;
      }
    }
    return false;
  };
  return reaches('INPUT', new Set(['INPUT']));
}

export interface FirewallInputs {
  /** False when the rules could not be read because sudo was refused. */
  privileged: boolean;
  firewalldActive: boolean;
  ufw: UfwStatus;
  nftTables: NftTable[];
  iptablesServiceActive: boolean;
  iptablesV4: string | undefined;
  iptablesV6: string | undefined;
}

export interface FirewallDetection {
  active: FirewallKind;
  /** Reason for that choice, in one sentence. */
  reason: string;
  /** Things worth telling the user, such as an installed but inactive ufw. */
  notes: string[];
}

/**
 * Picks the firewall that filters incoming traffic, in this order: firewalld
 * running, ufw active by its own status, nftables tables of its own that filter
 * input, an active iptables service, iptables rules that filter, none.
 */
export function detectFirewall(inputs: FirewallInputs): FirewallDetection {
  const notes: string[] = [];
  if (!inputs.privileged) {
    return { active: 'unknown', reason: 'reading the firewall rules needs root, and sudo was refused', notes };
  }
  if (inputs.ufw.installed && !inputs.ufw.active) {
    notes.push('ufw is installed but inactive ("Status: inactive"), so it does not filter');
  }
  if (inputs.firewalldActive) return { active: 'firewalld', reason: 'firewalld is running', notes };
  if (inputs.ufw.active) return { active: 'ufw', reason: 'ufw status reports "Status: active"', notes };

  const ownFiltering = inputs.nftTables.filter((table) => !table.managedByIptables && table.filtersInput);
  if (ownFiltering.length > 0) {
    const names = ownFiltering.map((table) => `${table.family} ${table.name}`).join(', ');
    return { active: 'nftables', reason: `nftables table(s) ${names} filter input`, notes };
  }
  if (inputs.iptablesServiceActive) return { active: 'iptables', reason: 'an iptables service (iptables or netfilter-persistent) is active', notes };
  if (iptablesFilters(inputs.iptablesV4) || iptablesFilters(inputs.iptablesV6)) {
    return { active: 'iptables', reason: 'iptables INPUT rules drop or reject traffic', notes };
  }
  return { active: 'none', reason: 'no firewall filters incoming traffic', notes };
}

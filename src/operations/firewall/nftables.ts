import { OperationError } from '../../errors.js';
import { parseNftRuleset, type NftTable } from '../../facts/firewall.js';
import type { HostFacts } from '../../facts/host-facts.js';
import { sectionHeader, splitSections } from '../../facts/sections.js';
import { shellQuote } from '../../ssh/shell-quote.js';
import { noChange, rootCommand, type Action, type Plan } from '../types.js';

/**
 * certfleet persists its nftables rules in files it owns: a rules file loaded
 * after the distro's configuration by a drop-in for nftables.service. The
 * distro's configuration file is never edited.
 */
export const NFT_RULES_FILE = '/etc/nftables.d/certfleet.nft';
export const NFT_DROP_IN = '/etc/systemd/system/nftables.service.d/certfleet.conf';
export const NFT_RULE_COMMENT = 'certfleet';

export interface NftablesState {
  kind: 'nftables';
  tables: NftTable[];
  /** The distro configuration nftables.service loads, when it exists. */
  configPath?: string;
  ownedRules: string;
  dropIn: string;
  serviceEnabled: string;
}

/** Configuration file nftables.service loads on each family. */
export function nftablesConfigPath(facts: HostFacts): string {
  return facts.os.family === 'rhel' ? '/etc/sysconfig/nftables.conf' : '/etc/nftables.conf';
}

export function nftablesStateCommand(facts: HostFacts): string {
  const config = shellQuote(nftablesConfigPath(facts));
  return [
    sectionHeader('ruleset'),
    'nft -a list ruleset 2>&1',
    sectionHeader('config'),
    `[ -f ${config} ] && echo ${config}; true`,
    sectionHeader('owned-rules'),
    `cat ${NFT_RULES_FILE} 2>/dev/null; true`,
    sectionHeader('drop-in'),
    `cat ${NFT_DROP_IN} 2>/dev/null; true`,
    sectionHeader('service-enabled'),
    'systemctl is-enabled nftables 2>/dev/null; true',
  ].join('\n');
}

export function parseNftablesState(output: string): NftablesState {
  const sections = splitSections(output);
  return {
    kind: 'nftables',
    tables: parseNftRuleset(sections.get('ruleset')),
    configPath: sections.get('config')?.trim() || undefined,
    ownedRules: sections.get('owned-rules') ?? '',
    dropIn: sections.get('drop-in') ?? '',
    serviceEnabled: sections.get('service-enabled')?.trim() ?? '',
  };
}

/** True when a rule line accepts TCP to the port from anywhere (no source or interface limit). */
export function acceptsPort(rule: string, port: number): boolean {
  const text = rule.replace(/\s*# handle \d+$/, '');
  if (!/\baccept\b/.test(text) || /\b(saddr|iif|iifname)\b/.test(text)) return false;
  const single = new RegExp(`\\btcp dport ${port}\\b`);
  const set = /\btcp dport \{([^}]*)\}/.exec(text);
  return single.test(text) || (set !== null && set[1]!.split(',').some((item) => item.trim() === String(port)));
}

export function renderDropIn(configPath: string): string {
  return [
    '# Written by certfleet: loads certfleet\'s rules after the distro ruleset.',
    '[Service]',
    `ExecStartPost=/usr/sbin/nft -f ${NFT_RULES_FILE}`,
    `ExecReload=/usr/sbin/nft -f ${NFT_RULES_FILE}`,
    `# The distro ruleset itself stays in ${configPath}.`,
    '',
  ].join('\n');
}

/**
 * Inserts an accept rule at the top of every input base chain that filters, in
 * every table of its own (tables managed by iptables-nft belong to the iptables
 * planner). A rule at the top comes before every drop and reject rule of the
 * chain, so it works whether the chain ends in an explicit drop or its policy.
 * NOTE: at the top the rule also precedes narrower drops for the opened port, such
 * as a source blocklist. nftables has no stable rule position to persist otherwise.
 */
export function planNftables(state: NftablesState, ports: readonly number[], staging: string): Plan {
  if (!state.configPath) {
    throw new OperationError('nftables filters this host, but its configuration file does not exist, so nothing loads the ruleset at boot and certfleet cannot persist a rule.', {
      hint: 'Save the ruleset as the distro configuration (nft list ruleset > /etc/nftables.conf) and enable nftables.service, then rerun.',
    });
  }
  const chains = state.tables
    .filter((table) => !table.managedByIptables && table.filtersInput)
    .flatMap((table) => table.inputChains.map((chain) => ({ table, chain, rules: table.inputChainRules[chain] ?? [] })));

  const runtime: Action[] = [];
  const persisted: string[] = [];
  for (const { table, chain, rules } of chains) {
    for (const port of ports) {
      const rule = `insert rule ${table.family} ${table.name} ${chain} tcp dport ${port} accept comment "${NFT_RULE_COMMENT}"`;
      persisted.push(rule);
      if (!rules.some((line) => acceptsPort(line, port))) {
        runtime.push(rootCommand(`nft ${shellQuote(rule)}`, `accept ${port}/tcp in ${table.family} ${table.name} ${chain}`));
      }
    }
  }
  const ownedRules = `# Written by certfleet; loaded after ${state.configPath} by nftables.service.\n${persisted.join('\n')}\n`;
  const dropIn = renderDropIn(state.configPath);

  const actions = [...runtime];
  if (ownedRules.trimEnd() !== state.ownedRules.trimEnd() || dropIn.trimEnd() !== state.dropIn.trimEnd()) {
    actions.push(
      { kind: 'upload', path: 'certfleet.nft', content: Buffer.from(ownedRules), mode: 0o600, description: `upload ${NFT_RULES_FILE}` },
      { kind: 'upload', path: 'nftables-certfleet.conf', content: Buffer.from(dropIn), mode: 0o600, description: `upload ${NFT_DROP_IN}` },
      rootCommand(
        [
          'set -eu',
          `staged=${shellQuote(staging)}`,
          'install -d -m 0755 /etc/nftables.d /etc/systemd/system/nftables.service.d',
          // The distro ruleset plus certfleet's rules are checked together before either goes live.
          `printf 'include "%s"\\ninclude "%s"\\n' ${shellQuote(state.configPath)} "$staged/certfleet.nft" > "$staged/check.nft"`,
          'nft -c -f "$staged/check.nft"',
          `install -m 0600 "$staged/certfleet.nft" ${NFT_RULES_FILE}.certfleet-new && mv -T ${NFT_RULES_FILE}.certfleet-new ${NFT_RULES_FILE}`,
          `install -m 0644 "$staged/nftables-certfleet.conf" ${NFT_DROP_IN}.certfleet-new && mv -T ${NFT_DROP_IN}.certfleet-new ${NFT_DROP_IN}`,
          'systemctl daemon-reload',
        ].join('\n'),
        `persist the rules in ${NFT_RULES_FILE}, loaded by ${NFT_DROP_IN}`,
      ),
    );
  }
  if (state.serviceEnabled !== 'enabled') actions.push(rootCommand('systemctl enable nftables.service', 'enable nftables.service at boot'));

  const names = ports.map((port) => `${port}/tcp`).join(' and ');
  const where = chains.map(({ table, chain }) => `${table.family} ${table.name} ${chain}`).join(', ');
  if (actions.length === 0) return noChange(`nftables already accepts ${names} in ${where}, at runtime and at boot`);
  return { changed: true, summary: `accept ${names} in nftables ${where}`, actions };
}

import { OperationError } from '../../errors.js';
import type { HostFacts } from '../../facts/host-facts.js';
import { sectionHeader, splitSections } from '../../facts/sections.js';
import { shellQuote } from '../../ssh/shell-quote.js';
import { noChange, rootCommand, type Action, type Plan } from '../types.js';
import { acceptRuleSpec, acceptsPort, inputFilters, insertIntoSavedRules, insertPosition, savedRulesFromRuntime } from './iptables-rules.js';

type Family = 'v4' | 'v6';

const TOOLS: Record<Family, { command: string; restore: string; save: string }> = {
  v4: { command: 'iptables', restore: 'iptables-restore', save: 'iptables-save' },
  v6: { command: 'ip6tables', restore: 'ip6tables-restore', save: 'ip6tables-save' },
};

export interface IptablesFamilyState {
  /** `iptables -S INPUT` lines; empty when the tool is missing. */
  inputRules: string[];
  /** Ports for which `iptables -C` found the exact accept rule. */
  checkedPorts: number[];
  /** Content of the saved rules file, or undefined when it does not exist. */
  saved?: string;
  /** `iptables-save -t filter`, to build a saved file where none exists. */
  runtimeSave: string;
}

export interface IptablesState {
  kind: 'iptables';
  v4: IptablesFamilyState;
  v6: IptablesFamilyState;
  /** The package or units that restore the saved files at boot are present. */
  persistenceInstalled: boolean;
  persistenceEnabled: boolean;
  ufwInstalled: boolean;
}

/** Returns where each family keeps its saved rules, and which units restore them at boot. */
export function iptablesLayout(facts: HostFacts) {
  return facts.os.family === 'rhel'
    ? { files: { v4: '/etc/sysconfig/iptables', v6: '/etc/sysconfig/ip6tables' }, units: ['iptables.service', 'ip6tables.service'] }
    : { files: { v4: '/etc/iptables/rules.v4', v6: '/etc/iptables/rules.v6' }, units: ['netfilter-persistent.service'] };
}

export function iptablesStateCommand(facts: HostFacts, ports: readonly number[]): string {
  const layout = iptablesLayout(facts);
  const lines: string[] = [];
  for (const family of ['v4', 'v6'] as const) {
    const { command, save } = TOOLS[family];
    const file = shellQuote(layout.files[family]);
    lines.push(
      sectionHeader(`${family}-rules`),
      `command -v ${command} >/dev/null 2>&1 && ${command} -S INPUT 2>/dev/null; true`,
      sectionHeader(`${family}-checked`),
      ...ports.map((port) => `${command} -C INPUT ${acceptRuleSpec(port)} >/dev/null 2>&1 && echo ${port}; true`),
      sectionHeader(`${family}-saved`),
      `if [ -f ${file} ]; then echo present; cat ${file}; else echo missing; fi`,
      sectionHeader(`${family}-runtime-save`),
      `command -v ${save} >/dev/null 2>&1 && ${save} -t filter 2>/dev/null; true`,
    );
  }
  const units = layout.units.map(shellQuote).join(' ');
  lines.push(
    sectionHeader('persistence-installed'),
    `(for unit in ${units}; do systemctl cat "$unit" >/dev/null 2>&1 || { echo no; exit 0; }; done; echo yes)`,
    sectionHeader('persistence-enabled'),
    `(for unit in ${units}; do [ "$(systemctl is-enabled "$unit" 2>/dev/null)" = enabled ] || { echo no; exit 0; }; done; echo yes)`,
    sectionHeader('ufw-installed'),
    'command -v ufw >/dev/null 2>&1 && echo yes || echo no',
  );
  return lines.join('\n');
}

export function parseIptablesState(output: string): IptablesState {
  const sections = splitSections(output);
  const family = (name: Family): IptablesFamilyState => {
    const savedSection = sections.get(`${name}-saved`) ?? 'missing';
    const [marker, ...rest] = savedSection.split('\n');
    return {
      inputRules: (sections.get(`${name}-rules`) ?? '').split('\n').filter(Boolean),
      checkedPorts: (sections.get(`${name}-checked`) ?? '').split('\n').filter(Boolean).map(Number),
      saved: marker === 'present' ? `${rest.join('\n')}\n` : undefined,
      runtimeSave: sections.get(`${name}-runtime-save`) ?? '',
    };
  };
  return {
    kind: 'iptables',
    v4: family('v4'),
    v6: family('v6'),
    persistenceInstalled: sections.get('persistence-installed') === 'yes',
    persistenceEnabled: sections.get('persistence-enabled') === 'yes',
    ufwInstalled: sections.get('ufw-installed') === 'yes',
  };
}

/**
 * Inserts the accept rule before the first catch-all REJECT or DROP of INPUT, for
 * IPv4 and IPv6, at runtime and in the saved rules files. The saved files are
 * edited in place, with the rule at the same position. The plan also makes sure
 * that the files are restored at boot.
 */
export function planIptables(facts: HostFacts, state: IptablesState, ports: readonly number[], staging: string): Plan {
  const layout = iptablesLayout(facts);
  const actions: Action[] = [];
  const notes: string[] = [];

  if (!state.persistenceInstalled) {
    if (facts.os.family === 'rhel') {
      actions.push(rootCommand(`${facts.packageManager} install -y iptables-services`, 'install iptables-services to restore the rules at boot'));
    } else if (state.ufwInstalled) {
      throw new OperationError('iptables filters this host, but nothing restores its rules at boot, and installing iptables-persistent would remove the installed ufw.', {
        hint: 'Either enable ufw and manage the rules with it, or remove ufw and rerun so certfleet can install iptables-persistent.',
      });
    } else {
      actions.push(
        rootCommand(
          [
            // Autosave stays off: saving the whole running ruleset would also persist other tools' chains.
            'echo "iptables-persistent iptables-persistent/autosave_v4 boolean false" | debconf-set-selections',
            'echo "iptables-persistent iptables-persistent/autosave_v6 boolean false" | debconf-set-selections',
            'export DEBIAN_FRONTEND=noninteractive',
            // Package lists may be missing or stale (container images and minimal installs remove them).
            'apt-get update -q && apt-get install -y -q iptables-persistent',
          ].join('\n'),
          'install iptables-persistent to restore the rules at boot',
        ),
      );
    }
  }

  for (const family of ['v4', 'v6'] as const) {
    const familyState = state[family];
    const { command, restore } = TOOLS[family];
    if (familyState.inputRules.length === 0 && familyState.runtimeSave === '') continue;
    if (!inputFilters(familyState.inputRules)) {
      notes.push(`${command} INPUT does not filter, so nothing is opened for ${family === 'v4' ? 'IPv4' : 'IPv6'}`);
      continue;
    }

    const rules = [...familyState.inputRules];
    for (const port of ports) {
      const present = familyState.checkedPorts.includes(port) || rules.some((line) => acceptsPort(line, port));
      if (present) continue;
      const position = insertPosition(rules);
      const rule = acceptRuleSpec(port);
      if (position === undefined) {
        actions.push(rootCommand(`${command} -A INPUT ${rule}`, `append the ${port}/tcp accept rule to ${command} INPUT`));
        rules.push(`-A INPUT ${rule}`);
      } else {
        actions.push(rootCommand(`${command} -I INPUT ${position} ${rule}`, `insert the ${port}/tcp accept rule at ${command} INPUT position ${position}, before the catch-all`));
        const appendedIndexes = rules.map((line, index) => (line.startsWith('-A INPUT ') ? index : -1)).filter((index) => index >= 0);
        rules.splice(appendedIndexes[position - 1]!, 0, `-A INPUT ${rule}`);
      }
    }

    const file = layout.files[family];
    const base = familyState.saved ?? savedRulesFromRuntime(familyState.runtimeSave);
    const updated = ports.reduce((text, port) => insertIntoSavedRules(text, port), base);
    if (familyState.saved === undefined || updated !== familyState.saved) {
      const stagedName = `saved-rules.${family}`;
      const staged = shellQuote(`${staging}/${stagedName}`);
      const target = shellQuote(file);
      actions.push(
        { kind: 'upload', path: stagedName, content: Buffer.from(updated), mode: 0o600, description: `upload the new ${file}` },
        rootCommand(
          [
            'set -eu',
            `${restore} --test < ${staged}`,
            `install -d -m 0755 "$(dirname ${target})"`,
            `if [ -f ${target} ]; then cp -p ${target} ${target}.certfleet-backup; fi`,
            `install -m 0600 ${staged} ${target}.certfleet-new && mv -T ${target}.certfleet-new ${target}`,
          ].join('\n'),
          `add the accept rule to ${file} (the old file kept as ${file}.certfleet-backup)`,
        ),
      );
    }
  }

  if (!state.persistenceEnabled) {
    actions.push(rootCommand(`systemctl enable ${layout.units.join(' ')}`, `enable ${layout.units.join(' and ')} at boot`));
  }

  const names = ports.map((port) => `${port}/tcp`).join(' and ');
  if (actions.length === 0) return noChange(`iptables already accepts ${names} before its catch-all rules, at runtime and in ${Object.values(layout.files).join(' and ')}`, notes);
  return { changed: true, summary: `accept ${names} in iptables, at runtime and in ${Object.values(layout.files).join(' and ')}`, actions, notes };
}

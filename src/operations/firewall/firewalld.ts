import type { HostFacts } from '../../facts/host-facts.js';
import { sectionHeader, splitSections } from '../../facts/sections.js';
import { shellQuote } from '../../ssh/shell-quote.js';
import { noChange, rootCommand, type Action, type Plan } from '../types.js';

export interface FirewalldState {
  kind: 'firewalld';
  /** Interface that has the address the SSH session arrived at. */
  interfaceName?: string;
  defaultZone: string;
  /** The zone of that interface, or the default zone when the interface has none. */
  zone: string;
  runtimeServices: string[];
  runtimePorts: string[];
  permanentServices: string[];
  permanentPorts: string[];
}

/** firewalld service names for the ports certfleet opens; other ports are opened as PORT/tcp. */
const SERVICE_OF_PORT: Record<number, string> = { 443: 'https', 80: 'http' };

/** Strips the IPv4-mapped prefix that $SSH_CONNECTION shows on dual-stack sockets. */
function plainAddress(address: string): string {
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/**
 * Reads the zone that receives the traffic: the zone of the interface holding the
 * address the SSH session arrived on, else the default zone (not always `public`).
 */
export function firewalldStateCommand(facts: HostFacts): string {
  const address = shellQuote(plainAddress(facts.sshServerAddress ?? ''));
  return [
    `address=${address}`,
    `iface=$(ip -o addr show 2>/dev/null | awk -v a="$address" '{ split($4, p, "/"); if (a != "" && p[1] == a) { print $2; exit } }')`,
    'default=$(firewall-cmd --get-default-zone)',
    'zone=""',
    'if [ -n "$iface" ]; then zone=$(firewall-cmd --get-zone-of-interface="$iface" 2>/dev/null || true); fi',
    'if [ -z "$zone" ] || [ "$zone" = "no zone" ]; then zone="$default"; fi',
    sectionHeader('interface'),
    'echo "$iface"',
    sectionHeader('default-zone'),
    'echo "$default"',
    sectionHeader('zone'),
    'echo "$zone"',
    sectionHeader('runtime-services'),
    'firewall-cmd --zone="$zone" --list-services',
    sectionHeader('runtime-ports'),
    'firewall-cmd --zone="$zone" --list-ports',
    sectionHeader('permanent-services'),
    'firewall-cmd --permanent --zone="$zone" --list-services',
    sectionHeader('permanent-ports'),
    'firewall-cmd --permanent --zone="$zone" --list-ports',
  ].join('\n');
}

export function parseFirewalldState(output: string): FirewalldState {
  const sections = splitSections(output);
  const words = (name: string) => (sections.get(name) ?? '').split(/\s+/).filter(Boolean);
  const defaultZone = (sections.get('default-zone') ?? '').trim();
  return {
    kind: 'firewalld',
    interfaceName: sections.get('interface')?.trim() || undefined,
    defaultZone,
    zone: (sections.get('zone') ?? '').trim() || defaultZone,
    runtimeServices: words('runtime-services'),
    runtimePorts: words('runtime-ports'),
    permanentServices: words('permanent-services'),
    permanentPorts: words('permanent-ports'),
  };
}

/**
 * Adds the ports to the receiving zone, both permanently (survives a reboot) and
 * at runtime (takes effect now). firewalld covers IPv4 and IPv6 with one rule.
 */
export function planFirewalld(state: FirewalldState, ports: readonly number[]): Plan {
  const zone = shellQuote(state.zone);
  const actions: Action[] = [];
  const opened: number[] = [];
  for (const port of ports) {
    const before = actions.length;
    const service = SERVICE_OF_PORT[port];
    const option = service ? `--add-service=${service}` : `--add-port=${port}/tcp`;
    const has = (services: string[], openPorts: string[]) => (service !== undefined && services.includes(service)) || openPorts.includes(`${port}/tcp`);
    if (!has(state.permanentServices, state.permanentPorts)) {
      actions.push(rootCommand(`firewall-cmd --permanent --zone=${zone} ${option}`, `allow ${port}/tcp in zone ${state.zone} permanently`));
    }
    if (!has(state.runtimeServices, state.runtimePorts)) {
      actions.push(rootCommand(`firewall-cmd --zone=${zone} ${option}`, `allow ${port}/tcp in zone ${state.zone} now`));
    }
    if (actions.length > before) opened.push(port);
  }
  const where = state.interfaceName ? `zone ${state.zone} (of interface ${state.interfaceName})` : `the default zone ${state.zone}`;
  const notes = state.zone !== state.defaultZone ? [`the traffic arrives in ${where}, not in the default zone ${state.defaultZone}`] : [];
  const names = ports.map((port) => `${port}/tcp`).join(' and ');
  if (actions.length === 0) return noChange(`firewalld already allows ${names} in ${where}, at runtime and permanently`, notes);
  return { changed: true, summary: `allow ${opened.map((port) => `${port}/tcp`).join(' and ')} in firewalld ${where}`, actions, notes };
}

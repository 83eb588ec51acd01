import type { HostFacts } from '../../facts/host-facts.js';
import type { UfwRule } from '../../facts/firewall.js';
import { noChange, rootCommand, type Plan } from '../types.js';

function allowsPort(rule: UfwRule, port: number): boolean {
  const target = rule.to.toLowerCase();
  const matchesPort = target === `${port}/tcp` || target === `${port}` || (port === 443 && target === 'https');
  const fromAnywhere = rule.from.startsWith('Anywhere');
  return matchesPort && fromAnywhere && rule.action.startsWith('ALLOW') && !rule.action.endsWith('OUT') && !rule.action.endsWith('FWD');
}

/**
 * Allows the ports in an active ufw. ufw writes its rules to /etc/ufw/user*.rules
 * itself, so they survive a reboot, and `ufw allow` adds the IPv6 rule too when
 * /etc/default/ufw has IPV6=yes.
 */
export function planUfw(facts: HostFacts, ports: readonly number[]): Plan {
  const notes = facts.ufwIpv6 ? [] : ['ufw has IPV6=no in /etc/default/ufw, so only IPv4 is opened; set IPV6=yes there to filter and open IPv6 too'];
  const missing = ports.filter((port) => {
    const v4 = facts.ufw.rules.some((rule) => !rule.v6 && allowsPort(rule, port));
    const v6 = facts.ufw.rules.some((rule) => rule.v6 && allowsPort(rule, port));
    return !v4 || (facts.ufwIpv6 && !v6);
  });
  const families = facts.ufwIpv6 ? 'for IPv4 and IPv6' : 'for IPv4';
  const names = (list: readonly number[]) => list.map((port) => `${port}/tcp`).join(' and ');
  if (missing.length === 0) return noChange(`ufw already allows ${names(ports)} ${families}`, notes);
  return {
    changed: true,
    summary: `ufw allow ${names(missing)}`,
    actions: missing.map((port) => rootCommand(`ufw allow ${port}/tcp`, `allow ${port}/tcp in ufw`)),
    notes,
  };
}

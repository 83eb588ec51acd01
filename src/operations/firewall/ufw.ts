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
 * Allows the port in an active ufw. ufw writes its rules to /etc/ufw/user*.rules
 * itself, so they survive a reboot, and `ufw allow` adds the IPv6 rule too when
 * /etc/default/ufw has IPV6=yes.
 */
export function planUfw(facts: HostFacts, port: number): Plan {
  const v4 = facts.ufw.rules.some((rule) => !rule.v6 && allowsPort(rule, port));
  const v6 = facts.ufw.rules.some((rule) => rule.v6 && allowsPort(rule, port));
  const notes = facts.ufwIpv6 ? [] : ['ufw has IPV6=no in /etc/default/ufw, so only IPv4 is opened; set IPV6=yes there to filter and open IPv6 too'];
  const v6Needed = facts.ufwIpv6;
  if (v4 && (v6 || !v6Needed)) {
    return noChange(`ufw already allows ${port}/tcp${v6Needed ? ' for IPv4 and IPv6' : ' for IPv4'}`, notes);
  }
  return {
    changed: true,
    summary: `ufw allow ${port}/tcp`,
    actions: [rootCommand(`ufw allow ${port}/tcp`, `allow ${port}/tcp in ufw`)],
    notes,
  };
}

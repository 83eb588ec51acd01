import { OperationError } from '../../errors.js';
import type { HostFacts } from '../../facts/host-facts.js';
import type { DesiredState } from '../desired-state.js';
import { noChange, rootCommand, type Operation, type Plan } from '../types.js';
import { firewalldStateCommand, parseFirewalldState, planFirewalld, type FirewalldState } from './firewalld.js';
import { iptablesStateCommand, parseIptablesState, planIptables, type IptablesState } from './iptables.js';
import { nftablesStateCommand, parseNftablesState, planNftables, type NftablesState } from './nftables.js';
import { planUfw } from './ufw.js';

/** Returns the app's TLS port, and port 80 when the app redirects plain HTTP to HTTPS. */
export function openPorts(desired: DesiredState): number[] {
  return desired.httpRedirect && desired.port !== 80 ? [desired.port, 80] : [desired.port];
}

export type FirewallState = FirewalldState | NftablesState | IptablesState | { kind: 'none' };

/** Plans enabling an installed but inactive ufw, which certfleet does only when the playbook sets enable_ufw. */
function planUfwEnable(facts: HostFacts, ports: readonly number[]): Plan {
  const sshPort = facts.sshServerPort;
  if (!sshPort) {
    throw new OperationError('enable_ufw is set, but the SSH port in use is unknown ($SSH_CONNECTION is empty), so enabling ufw could lock certfleet out.', {
      hint: 'Enable ufw by hand after allowing SSH, or leave enable_ufw off.',
    });
  }
  return {
    changed: true,
    summary: `allow ${sshPort}/tcp (SSH) and ${ports.map((port) => `${port}/tcp`).join(', ')} in ufw, then enable it`,
    actions: [
      rootCommand(`ufw allow ${sshPort}/tcp`, `allow the SSH port ${sshPort}/tcp in ufw before enabling it`),
      ...ports.map((port) => rootCommand(`ufw allow ${port}/tcp`, `allow ${port}/tcp in ufw`)),
      rootCommand('ufw --force enable', 'enable ufw'),
    ],
  };
}

function mergePlans(plans: Plan[]): Plan {
  const notes = plans.flatMap((plan) => plan.notes ?? []);
  const changed = plans.filter((plan): plan is Extract<Plan, { changed: true }> => plan.changed);
  if (changed.length === 0) return noChange(plans.map((plan) => (plan.changed ? '' : plan.reason)).join('; '), notes);
  return { changed: true, summary: changed.map((plan) => plan.summary).join('; '), actions: changed.flatMap((plan) => plan.actions), notes };
}

/** Opens the app's TCP ports in whichever firewall filters incoming traffic on the host, so that they stay open after a reboot. */
export const openPortOperation: Operation<FirewallState> = {
  name: 'firewall',
  stateCommand: ({ facts, desired }) => {
    switch (facts.firewall.active) {
      case 'firewalld':
        return firewalldStateCommand(facts);
      case 'nftables':
        return nftablesStateCommand(facts);
      case 'iptables':
        return iptablesStateCommand(facts, openPorts(desired));
      default:
        return 'echo none';
    }
  },
  parseState: (output) => {
    if (output.includes('@@certfleet-fact zone')) return parseFirewalldState(output);
    if (output.includes('@@certfleet-fact ruleset')) return parseNftablesState(output);
    if (output.includes('@@certfleet-fact v4-rules')) return parseIptablesState(output);
    return { kind: 'none' };
  },
  plan: ({ facts, desired, staging }, state) => {
    const notes = [...facts.firewall.notes];
    const ports = openPorts(desired);
    let plan: Plan;
    switch (facts.firewall.active) {
      case 'ufw':
        plan = planUfw(facts, ports);
        break;
      case 'firewalld':
        plan = planFirewalld(state as FirewalldState, ports);
        break;
      case 'nftables':
        plan = planNftables(state as NftablesState, ports, staging);
        break;
      case 'iptables':
        plan = planIptables(facts, state as IptablesState, ports, staging);
        break;
      case 'none':
        plan = noChange(
          `no firewall filters incoming traffic on this host, so there is nothing to open; a cloud security group may still block ${ports.map((port) => `${port}/tcp`).join(' and ')} (verification will tell)`,
        );
        break;
      default:
        throw new OperationError(`cannot tell which firewall filters this host (${facts.firewall.reason}).`, { hint: 'Give the login user passwordless sudo, then rerun.' });
    }
    if (desired.enableUfw && facts.ufw.installed && !facts.ufw.active) plan = mergePlans([plan, planUfwEnable(facts, ports)]);
    return { ...plan, notes: [...notes, ...(plan.notes ?? [])] };
  },
};


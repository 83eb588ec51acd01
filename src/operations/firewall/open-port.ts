import { OperationError } from '../../errors.js';
import type { DesiredState } from '../desired-state.js';
import { noChange, type Operation } from '../types.js';
import { planUfw } from './ufw.js';

/** The app's TLS port, and port 80 when it answers plain HTTP with a redirect. */
export function openPorts(desired: DesiredState): number[] {
  return desired.httpRedirect && desired.port !== 80 ? [desired.port, 80] : [desired.port];
}

/** Opens the app's TCP port in whichever firewall filters incoming traffic on the host. */
export const openPortOperation: Operation = {
  name: 'firewall',
  plan: ({ facts, desired }) => {
    const notes = [...facts.firewall.notes];
    const ports = openPorts(desired);
    switch (facts.firewall.active) {
      case 'ufw': {
        const plan = planUfw(facts, ports);
        return { ...plan, notes: [...notes, ...(plan.notes ?? [])] };
      }
      case 'none':
        return noChange(
          `no firewall filters incoming traffic on this host, so there is nothing to open; a cloud security group may still block ${desired.port} (verification will tell)`,
          notes,
        );
      default:
        // TODO: firewalld, nftables and iptables planners; until then the step stops here and changes nothing.
        throw new OperationError(`opening ${desired.port}/tcp with ${facts.firewall.active} (${facts.firewall.reason}) is not supported yet.`, {
          hint: `Open ${desired.port}/tcp by hand, persistently, then rerun with a playbook that leaves out the firewall step.`,
        });
    }
  },
};

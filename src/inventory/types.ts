/** One managed host, as read from an inventory file or a --host option. */
export interface HostSpec {
  /** Inventory name, used in logs, reports and errors. */
  name: string;
  /** Address certfleet connects to over SSH and verifies TLS at: an IP address or a host name. */
  address: string;
  /** SSH port. */
  port: number;
  /** SSH login user. */
  user: string;
  /** Path of the private key file; without it, ssh-agent is used. */
  identity?: string;
  /** Address the public reaches this host at, when DNS points at a NAT or load balancer address. */
  publicAddress?: string;
  /** Free-form variables from the inventory, passed to the playbook. */
  vars: Record<string, unknown>;
}

export interface Inventory {
  /** The file the hosts were read from; absent for hosts given with --host. */
  file?: string;
  hosts: HostSpec[];
}

import { FactError } from '../errors.js';
import {
  detectFirewall,
  parseNftRuleset,
  parseUfwStatus,
  type FirewallDetection,
  type NftTable,
  type UfwStatus,
} from './firewall.js';
import { parseOsRelease, type OsRelease } from './os-release.js';
import { sectionHeader, splitSections } from './sections.js';

export type PackageManager = 'apt' | 'dnf' | 'yum' | 'unknown';
export type SudoAccess = 'root' | 'ok' | 'denied';

export interface HostFacts {
  os: OsRelease;
  kernel: string;
  loginUser: string;
  home: string;
  sudo: SudoAccess;
  /** sudo's own message when it refused. */
  sudoMessage?: string;
  systemd: boolean;
  systemdVersion?: string;
  packageManager: PackageManager;
  pythonVersion?: string;
  flaskInstalled: boolean;
  gunicornVersion?: string;
  firewall: FirewallDetection;
  ufw: UfwStatus;
  /** ufw's IPV6 setting; ufw adds v6 rules only when it is yes. */
  ufwIpv6: boolean;
  nftTables: NftTable[];
  /** The host address the SSH session arrived at (from $SSH_CONNECTION). */
  sshServerAddress?: string;
  /** The host port the SSH session arrived at, which a firewall must keep open. */
  sshServerPort?: number;
  selinux: 'enforcing' | 'permissive' | 'disabled' | 'absent';
}

/**
 * One shell script that gathers every host fact in a single round trip. It runs as
 * the login user and uses `sudo -n` only for the commands that need root, so that
 * a missing sudo right is itself reported as a fact instead of failing the script.
 */
export const HOST_FACTS_SCRIPT = [
  'export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"',
  sectionHeader('os-release'),
  'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
  sectionHeader('kernel'),
  'uname -sr',
  sectionHeader('user'),
  'id -un; echo "$HOME"',
  sectionHeader('sudo'),
  'if [ "$(id -u)" = 0 ]; then echo root; SUDO=""; ' +
    'elif out=$(sudo -n true 2>&1); then echo ok; SUDO="sudo -n"; ' +
    'else echo denied; echo "$out" | head -n 1; SUDO="sudo -n"; fi',
  sectionHeader('systemd'),
  'if [ -d /run/systemd/system ]; then echo yes; systemctl --version 2>/dev/null | head -n 1; else echo no; fi',
  sectionHeader('package-manager'),
  'for pm in apt-get dnf yum; do command -v "$pm" >/dev/null 2>&1 && echo "$pm"; done; true',
  sectionHeader('python'),
  'python3 -c "import sys; print(\'%d.%d.%d\' % sys.version_info[:3])" 2>/dev/null; true',
  sectionHeader('flask'),
  'python3 -c "import flask" >/dev/null 2>&1 && echo yes || echo no',
  sectionHeader('gunicorn'),
  'python3 -c "import gunicorn; print(gunicorn.__version__)" 2>/dev/null; true',
  sectionHeader('firewalld'),
  'systemctl is-active firewalld 2>/dev/null; true',
  sectionHeader('ufw'),
  'if command -v ufw >/dev/null 2>&1; then $SUDO ufw status 2>&1; fi; true',
  sectionHeader('ufw-ipv6'),
  'grep -E "^IPV6=" /etc/default/ufw 2>/dev/null; true',
  sectionHeader('nftables'),
  'if command -v nft >/dev/null 2>&1; then $SUDO nft list ruleset 2>&1; fi; true',
  sectionHeader('iptables-service'),
  'for unit in iptables netfilter-persistent; do printf "%s %s\\n" "$unit" "$(systemctl is-active "$unit" 2>/dev/null)"; done',
  sectionHeader('iptables-v4'),
  'if command -v iptables >/dev/null 2>&1; then $SUDO iptables -S 2>/dev/null; fi; true',
  sectionHeader('iptables-v6'),
  'if command -v ip6tables >/dev/null 2>&1; then $SUDO ip6tables -S 2>/dev/null; fi; true',
  sectionHeader('ssh-connection'),
  'echo "${SSH_CONNECTION:-}"',
  sectionHeader('selinux'),
  'if command -v getenforce >/dev/null 2>&1; then getenforce; else echo absent; fi',
].join('\n');

/** Parses the output of HOST_FACTS_SCRIPT. */
export function parseHostFacts(output: string): HostFacts {
  const sections = splitSections(output);
  const section = (name: string): string => sections.get(name) ?? '';
  if (!sections.has('os-release')) {
    throw new FactError('the fact script printed no os-release section; the host may not run a POSIX shell.');
  }

  const [loginUser = '', home = ''] = section('user').split('\n');
  const [sudoWord = 'denied', ...sudoRest] = section('sudo').split('\n');
  const [systemdWord = 'no', systemdLine] = section('systemd').split('\n');
  const managers = section('package-manager').split('\n').filter(Boolean);
  const ufw = parseUfwStatus(sections.get('ufw'));
  const nftTables = parseNftRuleset(section('nftables'));
  const serviceStates = new Map(
    section('iptables-service')
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  const sshConnection = section('ssh-connection').trim().split(/\s+/);
  const selinuxWord = section('selinux').trim().toLowerCase();

  return {
    os: parseOsRelease(section('os-release')),
    kernel: section('kernel').trim(),
    loginUser: loginUser.trim(),
    home: home.trim(),
    sudo: sudoWord === 'root' || sudoWord === 'ok' ? sudoWord : 'denied',
    sudoMessage: sudoWord === 'denied' ? sudoRest.join(' ').trim() || undefined : undefined,
    systemd: systemdWord.trim() === 'yes',
    systemdVersion: systemdLine?.trim() || undefined,
    packageManager: managers.includes('dnf') ? 'dnf' : managers.includes('yum') ? 'yum' : managers.includes('apt-get') ? 'apt' : 'unknown',
    pythonVersion: section('python').trim() || undefined,
    flaskInstalled: section('flask').trim() === 'yes',
    gunicornVersion: section('gunicorn').trim() || undefined,
    firewall: detectFirewall({
      privileged: sudoWord === 'root' || sudoWord === 'ok',
      firewalldActive: section('firewalld').trim() === 'active',
      ufw,
      nftTables,
      iptablesServiceActive: [...serviceStates.values()].some((state) => state === 'active'),
      iptablesV4: sections.get('iptables-v4'),
      iptablesV6: sections.get('iptables-v6'),
    }),
    ufw,
    ufwIpv6: !/^IPV6=no/m.test(section('ufw-ipv6')),
    nftTables,
    sshServerAddress: sshConnection.length >= 4 ? sshConnection[2] : undefined,
    sshServerPort: sshConnection.length >= 4 ? Number(sshConnection[3]) : undefined,
    selinux: selinuxWord === 'enforcing' || selinuxWord === 'permissive' || selinuxWord === 'disabled' ? selinuxWord : 'absent',
  };
}

import { createHash } from 'node:crypto';
import { shellQuote } from '../ssh/shell-quote.js';
import { sectionHeader, splitSections } from '../facts/sections.js';
import { noChange, REPORT_PREFIX, rootCommand, type Operation } from './types.js';

/**
 * Layout under the TLS folder (default /ssl):
 *   releases/ID/cert.pem, releases/ID/cert.key   one folder per uploaded pair
 *   current -> releases/ID                        switched with one rename
 *   previous -> releases/OLD_ID                   kept for a rollback
 *   cert.pem -> current/cert.pem, cert.key -> current/cert.key
 * The app reads cert.pem and cert.key, the paths of the manual procedure; the
 * pair changes at once when `current` is renamed over, and never half-written.
 */
export interface CertificateState {
  /** `link TARGET`, `file` or `missing` for cert.pem and cert.key. */
  certEntry: string;
  keyEntry: string;
  current?: string;
  previous?: string;
  certSha256?: string;
  keySha256?: string;
  /** `owner:group mode` of cert.pem and cert.key, links followed. */
  certStat?: string;
  keyStat?: string;
  selinuxRestorecon: boolean;
}

export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'cert.key';
/** How many older releases to keep besides current and previous. */
const KEPT_RELEASES = 3;

export function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Names a release by the content of the pair, so an identical upload maps to the same folder. */
export function certificateReleaseId(chain: Buffer, key: Buffer): string {
  return sha256Hex(Buffer.concat([Buffer.from(sha256Hex(chain)), Buffer.from(sha256Hex(key))])).slice(0, 16);
}

export const certificatesOperation: Operation<CertificateState> = {
  name: 'certificates',
  stateCommand: ({ desired }) => {
    const ssl = shellQuote(desired.sslDir);
    const entry = (name: string) =>
      `f=${ssl}/${name}; if [ -L "$f" ]; then echo "link $(readlink "$f")"; elif [ -f "$f" ]; then echo file; else echo missing; fi`;
    return [
      sectionHeader('cert'),
      entry(CERT_FILE),
      sectionHeader('key'),
      entry(KEY_FILE),
      sectionHeader('current'),
      `readlink ${ssl}/current; true`,
      sectionHeader('previous'),
      `readlink ${ssl}/previous; true`,
      sectionHeader('sha256'),
      `sha256sum ${ssl}/${CERT_FILE} ${ssl}/${KEY_FILE} 2>/dev/null; true`,
      sectionHeader('stat'),
      `stat -L -c '%U:%G %a' ${ssl}/${CERT_FILE} ${ssl}/${KEY_FILE} 2>/dev/null; true`,
      sectionHeader('restorecon'),
      'command -v restorecon >/dev/null 2>&1 && echo yes || echo no',
    ].join('\n');
  },
  parseState: (output) => {
    const sections = splitSections(output);
    const sums = (sections.get('sha256') ?? '').split('\n').map((line) => line.split(/\s+/)[0]);
    const stats = (sections.get('stat') ?? '').split('\n');
    const present = (sections.get('stat') ?? '').trim() !== '' && stats.length === 2;
    return {
      certEntry: sections.get('cert') ?? 'missing',
      keyEntry: sections.get('key') ?? 'missing',
      current: sections.get('current') || undefined,
      previous: sections.get('previous') || undefined,
      certSha256: sums.length === 2 ? sums[0] : undefined,
      keySha256: sums.length === 2 ? sums[1] : undefined,
      certStat: present ? stats[0] : undefined,
      keyStat: present ? stats[1] : undefined,
      selinuxRestorecon: sections.get('restorecon') === 'yes',
    };
  },
  plan: ({ desired, facts, staging }, state) => {
    const id = certificateReleaseId(desired.chainPem, desired.keyPem);
    const certSha = sha256Hex(desired.chainPem);
    const keySha = sha256Hex(desired.keyPem);
    const group = desired.serviceUser;
    const layoutRight =
      state.certEntry === `link current/${CERT_FILE}` &&
      state.keyEntry === `link current/${KEY_FILE}` &&
      state.current === `releases/${id}` &&
      state.certSha256 === certSha &&
      state.keySha256 === keySha &&
      state.certStat === `root:${group} 644` &&
      state.keyStat === `root:${group} 640`;
    if (layoutRight) return noChange(`certificate and key unchanged (sha256 ${certSha.slice(0, 12)}…, ${keySha.slice(0, 12)}…)`);

    const ssl = shellQuote(desired.sslDir);
    const release = `${ssl}/releases/${id}`;
    const tmp = `${ssl}/releases/.tmp-${id}`;
    const stagedCert = shellQuote(`${staging}/${CERT_FILE}`);
    const stagedKey = shellQuote(`${staging}/${KEY_FILE}`);
    const quotedGroup = shellQuote(group);
    const selinux = facts.selinux !== 'absent' && facts.selinux !== 'disabled' && state.selinuxRestorecon;

    const install = [
      'set -eu',
      `rm -rf ${tmp}`,
      `install -d -o root -g ${quotedGroup} -m 0750 ${tmp}`,
      `install -o root -g ${quotedGroup} -m 0644 ${stagedCert} ${tmp}/${CERT_FILE}`,
      `install -o root -g ${quotedGroup} -m 0640 ${stagedKey} ${tmp}/${KEY_FILE}`,
      // The copies are checked before they are used: a short write must never go live.
      `printf '%s  %s\\n' ${certSha} ${tmp}/${CERT_FILE} ${keySha} ${tmp}/${KEY_FILE} | sha256sum -c --quiet -`,
      `if [ -d ${release} ]; then rm -rf ${tmp}; else mv -T ${tmp} ${release}; fi`,
    ];
    const backupManual = [
      'set -eu',
      // Files left by the manual procedure become a release of their own, so a rollback can restore them.
      `if [ -f ${ssl}/${CERT_FILE} ] && [ ! -L ${ssl}/${CERT_FILE} ]; then`,
      `  backup=${ssl}/releases/manual-$(date -u +%Y%m%dT%H%M%SZ)`,
      `  install -d -o root -g ${quotedGroup} -m 0750 "$backup"`,
      `  cp -p ${ssl}/${CERT_FILE} "$backup/${CERT_FILE}"`,
      `  if [ -f ${ssl}/${KEY_FILE} ] && [ ! -L ${ssl}/${KEY_FILE} ]; then cp -p ${ssl}/${KEY_FILE} "$backup/${KEY_FILE}"; fi`,
      // The old key may have been world-readable; its copy gets the mode of every key here.
      `  chown -R root:${quotedGroup} "$backup" && chmod 0644 "$backup/${CERT_FILE}" && { [ ! -f "$backup/${KEY_FILE}" ] || chmod 0640 "$backup/${KEY_FILE}"; }`,
      `  echo "${REPORT_PREFIX}kept the files of the earlier manual install in $backup"`,
      `  [ -L ${ssl}/current ] || ln -sfn "releases/$(basename "$backup")" ${ssl}/current`,
      'fi',
    ];
    const switchOver = [
      'set -eu',
      `old=$(readlink ${ssl}/current || true)`,
      `if [ -n "$old" ] && [ "$old" != releases/${id} ]; then ln -sfn "$old" ${ssl}/.previous.new && mv -T ${ssl}/.previous.new ${ssl}/previous; fi`,
      `ln -sfn releases/${id} ${ssl}/.current.new && mv -T ${ssl}/.current.new ${ssl}/current`,
      `ln -sfn current/${CERT_FILE} ${ssl}/.cert.new && mv -T ${ssl}/.cert.new ${ssl}/${CERT_FILE}`,
      `ln -sfn current/${KEY_FILE} ${ssl}/.key.new && mv -T ${ssl}/.key.new ${ssl}/${KEY_FILE}`,
      ...(selinux ? [`restorecon -R ${ssl}`] : []),
    ];
    const prune = [
      'set -eu',
      `cd ${ssl}/releases`,
      `keep="$(readlink ../current || true) $(readlink ../previous || true)"`,
      `ls -1t | grep -v '^manual-' | while read -r name; do case " $keep " in *" releases/$name "*) ;; *) echo "$name";; esac; done | tail -n +${KEPT_RELEASES + 1} | while read -r name; do rm -rf -- "$name"; done`,
    ];

    return {
      changed: true,
      summary: `install certificate ${desired.leafFingerprint256.slice(0, 23)}… as release ${id}`,
      actions: [
        { kind: 'upload', path: CERT_FILE, content: desired.chainPem, mode: 0o600, description: `upload the certificate chain to staging` },
        { kind: 'upload', path: KEY_FILE, content: desired.keyPem, mode: 0o600, description: `upload the private key to staging` },
        rootCommand(install.join('\n'), `install the pair into ${desired.sslDir}/releases/${id}`),
        rootCommand(backupManual.join('\n'), `keep files from an earlier manual install as a release`),
        rootCommand(switchOver.join('\n'), `switch ${desired.sslDir}/current to releases/${id}${selinux ? ' and restore SELinux contexts' : ''}`),
        rootCommand(prune.join('\n'), `remove releases older than the last ${KEPT_RELEASES}`),
      ],
    };
  },
};

import { OperationError } from '../errors.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { sectionHeader, splitSections } from '../facts/sections.js';
import { sha256Hex } from './certificates.js';
import type { ReleaseFile } from './desired-state.js';
import { noChange, rootCommand, userCommand, type Operation } from './types.js';

/**
 * Layout under the app folder (default /opt/certfleet):
 *   releases/ID/launcher.py, releases/ID/app/...   one folder per app version
 *   releases/ID/MANIFEST                           sha256 of every file, to check the copy
 *   current -> releases/ID, previous -> releases/OLD_ID
 * Files are owned by root and group-readable by the service user only (0640,
 * folders 0750), so the app cannot rewrite its own code and other local users
 * cannot read it.
 */
export interface AppReleaseState {
  current?: string;
  previous?: string;
  /** ORIGIN of the current release: the playbook and app that deployed it. */
  origin?: string;
  /** True when every file listed in the current release's MANIFEST still has its recorded sha256. */
  manifestIntact: boolean;
}

export const MANIFEST_FILE = 'MANIFEST';
export const ORIGIN_FILE = 'ORIGIN';
const KEPT_RELEASES = 3;

export function manifestOf(files: readonly ReleaseFile[]): string {
  return [...files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file) => `${sha256Hex(file.content)}  ${file.path}\n`)
    .join('');
}

export function appReleaseId(files: readonly ReleaseFile[]): string {
  return sha256Hex(manifestOf(files)).slice(0, 16);
}

export const appReleaseOperation: Operation<AppReleaseState> = {
  name: 'app',
  stateCommand: ({ desired }) => {
    const root = shellQuote(desired.appRoot);
    return [
      sectionHeader('current'),
      `readlink ${root}/current; true`,
      sectionHeader('previous'),
      `readlink ${root}/previous; true`,
      sectionHeader('origin'),
      `cat ${root}/current/${ORIGIN_FILE} 2>/dev/null; true`,
      sectionHeader('manifest'),
      `(cd ${root}/current 2>/dev/null && sha256sum -c --quiet ${MANIFEST_FILE} >/dev/null 2>&1) && echo intact || echo broken`,
    ].join('\n');
  },
  parseState: (output) => {
    const sections = splitSections(output);
    return {
      current: sections.get('current') || undefined,
      previous: sections.get('previous') || undefined,
      origin: sections.get('origin') || undefined,
      manifestIntact: sections.get('manifest') === 'intact',
    };
  },
  plan: ({ desired, staging }, state) => {
    const id = appReleaseId(desired.releaseFiles);
    if (state.current === `releases/${id}` && state.manifestIntact) {
      return noChange(`app release ${id} is current and its files match the manifest`);
    }
    // A certificate renewal run with the default playbook must not swap a custom app for the sample page.
    const replacesSample = state.origin?.endsWith(', app builtin') ?? false;
    if (state.origin && state.origin !== desired.appOrigin && !replacesSample && !desired.replaceApp) {
      throw new OperationError(`the host serves the app "${state.origin}", and this run would replace it with "${desired.appOrigin}".`, {
        hint: 'Run the playbook that deployed that app (certfleet deploy PLAYBOOK ...), or add --replace-app to replace that app with this one.',
      });
    }

    const root = shellQuote(desired.appRoot);
    const stagedRoot = `${staging}/app-${id}`;
    const release = `${root}/releases/${id}`;
    const tmp = `${root}/releases/.tmp-${id}`;
    const folders = new Set<string>();
    for (const file of desired.releaseFiles) {
      const parts = file.path.split('/');
      for (let depth = 1; depth < parts.length; depth++) folders.add(parts.slice(0, depth).join('/'));
    }
    const mkdirs = [stagedRoot, ...[...folders].sort().map((folder) => `${stagedRoot}/${folder}`)].map(shellQuote).join(' ');
    const manifest = Buffer.from(manifestOf(desired.releaseFiles));

    const install = [
      'set -eu',
      `install -d -o root -g root -m 0755 ${root} ${root}/releases`,
      `rm -rf ${tmp}`,
      `cp -R ${shellQuote(stagedRoot)} ${tmp}`,
      // Readable by the service group only: an app folder may hold secrets such as a .env file.
      `chown -R root:${shellQuote(desired.serviceUser)} ${tmp}`,
      `find ${tmp} -type d -exec chmod 0750 {} + && find ${tmp} -type f -exec chmod 0640 {} +`,
      `(cd ${tmp} && sha256sum -c --quiet ${MANIFEST_FILE})`,
      `if [ -d ${release} ]; then rm -rf ${release}; fi`,
      `mv -T ${tmp} ${release}`,
      `old=$(readlink ${root}/current || true)`,
      `if [ -n "$old" ] && [ "$old" != releases/${id} ]; then ln -sfn "$old" ${root}/.previous.new && mv -T ${root}/.previous.new ${root}/previous; fi`,
      `ln -sfn releases/${id} ${root}/.current.new && mv -T ${root}/.current.new ${root}/current`,
    ];
    const prune = [
      'set -eu',
      `cd ${root}/releases`,
      `keep="$(readlink ../current || true) $(readlink ../previous || true)"`,
      `ls -1t | while read -r name; do case " $keep " in *" releases/$name "*) ;; *) echo "$name";; esac; done | tail -n +${KEPT_RELEASES + 1} | while read -r name; do rm -rf -- "$name"; done`,
    ];

    return {
      changed: true,
      summary: `install app release ${id} (${desired.releaseFiles.length} files)`,
      actions: [
        userCommand(`mkdir -p -m 0700 ${mkdirs}`, 'make staging folders for the app'),
        ...desired.releaseFiles.map((file) => ({
          kind: 'upload' as const,
          path: `app-${id}/${file.path}`,
          content: file.content,
          mode: 0o600,
          description: `upload ${file.path}`,
        })),
        { kind: 'upload', path: `app-${id}/${MANIFEST_FILE}`, content: manifest, mode: 0o600, description: 'upload the manifest' },
        { kind: 'upload', path: `app-${id}/${ORIGIN_FILE}`, content: Buffer.from(`${desired.appOrigin}\n`), mode: 0o600, description: 'upload the origin record' },
        rootCommand(install.join('\n'), `install app release ${id} and switch ${desired.appRoot}/current to it`),
        rootCommand(prune.join('\n'), `remove app releases older than the last ${KEPT_RELEASES}`),
      ],
    };
  },
};

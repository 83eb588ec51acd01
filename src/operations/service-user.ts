import { OperationError } from '../errors.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { sectionHeader, splitSections } from '../facts/sections.js';
import { noChange, rootCommand, type Action, type Operation } from './types.js';

export interface ServiceUserState {
  /** The passwd line of the service user, when it exists. */
  passwd?: string;
  groupExists: boolean;
  /** `owner:group mode` of the TLS folder, when it exists. */
  sslDir?: string;
  releasesDir?: string;
  /** Entries of the TLS folder and of the app folder that certfleet did not make. */
  foreignSslEntries: string[];
  foreignAppEntries: string[];
}

/** Entries certfleet keeps in the TLS folder; cert.pem and cert.key may also come from a manual install. */
const SSL_ENTRIES = new Set(['cert.pem', 'cert.key', 'current', 'previous', 'releases', '.current.new', '.previous.new', '.cert.new', '.key.new']);
/** Entries certfleet keeps in the app folder. */
const APP_ENTRIES = new Set(['current', 'previous', 'releases', 'backup', '.current.new', '.previous.new']);

const NOLOGIN = '/usr/sbin/nologin';

/** Creates the system user that runs the app, and the root-owned TLS folder its group may read. */
export const serviceUserOperation: Operation<ServiceUserState> = {
  name: 'service-user',
  stateCommand: ({ desired }) => {
    const user = shellQuote(desired.serviceUser);
    const ssl = shellQuote(desired.sslDir);
    return [
      sectionHeader('passwd'),
      `getent passwd ${user}; true`,
      sectionHeader('group'),
      `getent group ${user} >/dev/null && echo yes || echo no`,
      sectionHeader('ssl-dir'),
      `[ -d ${ssl} ] && stat -c '%U:%G %a' ${ssl}; true`,
      sectionHeader('releases-dir'),
      `[ -d ${ssl}/releases ] && stat -c '%U:%G %a' ${ssl}/releases; true`,
      sectionHeader('ssl-entries'),
      `[ -d ${ssl} ] && ls -A1 ${ssl}; true`,
      sectionHeader('app-entries'),
      `[ -d ${shellQuote(desired.appRoot)} ] && ls -A1 ${shellQuote(desired.appRoot)}; true`,
    ].join('\n');
  },
  parseState: (output) => {
    const sections = splitSections(output);
    return {
      passwd: sections.get('passwd') || undefined,
      groupExists: sections.get('group') === 'yes',
      sslDir: sections.get('ssl-dir') || undefined,
      releasesDir: sections.get('releases-dir') || undefined,
      foreignSslEntries: (sections.get('ssl-entries') ?? '').split('\n').filter((entry) => entry !== '' && !SSL_ENTRIES.has(entry)),
      foreignAppEntries: (sections.get('app-entries') ?? '').split('\n').filter((entry) => entry !== '' && !APP_ENTRIES.has(entry)),
    };
  },
  plan: ({ desired, facts }, state) => {
    // certfleet sets the owner and mode of these folders, which must not hurt anything else on the host.
    for (const [setting, folder, entries] of [
      ['ssl_dir', desired.sslDir, state.foreignSslEntries],
      ['app_root', desired.appRoot, state.foreignAppEntries],
    ] as const) {
      if (entries.length > 0) {
        const listed = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, and ${entries.length - 5} more` : '');
        throw new OperationError(`${setting} ${folder} already contains files certfleet did not put there (${listed}), and certfleet would change its owner and mode.`, {
          hint: `Set ${setting} to a folder of its own, such as ${setting === 'ssl_dir' ? '/ssl' : '/opt/certfleet'}.`,
        });
      }
    }
    if (desired.serviceUser === facts.loginUser) {
      throw new OperationError(`service_user ${desired.serviceUser} is the SSH login user, which has sudo rights, so the app would not be confined.`, {
        hint: 'Set service_user to a user of its own, such as certfleet.',
      });
    }
    const user = shellQuote(desired.serviceUser);
    const expectedMode = `root:${desired.serviceUser} 750`;
    const actions: Action[] = [];
    if (!state.passwd) {
      const groupOption = state.groupExists ? `--gid ${user}` : '--user-group';
      actions.push(
        rootCommand(
          `useradd --system ${groupOption} --no-create-home --home-dir /nonexistent --shell ${NOLOGIN} ${user}`,
          `create system user ${desired.serviceUser}`,
        ),
      );
    }
    for (const [path, current] of [
      [desired.sslDir, state.sslDir],
      [`${desired.sslDir}/releases`, state.releasesDir],
    ] as const) {
      if (current !== expectedMode) {
        actions.push(rootCommand(`install -d -o root -g ${user} -m 0750 ${shellQuote(path)}`, `make ${path} root:${desired.serviceUser} 0750`));
      }
    }
    const notes: string[] = [];
    if (state.passwd?.split(':')[2] === '0') {
      throw new OperationError(`the service user ${desired.serviceUser} has uid 0, so the app would run as root.`, { hint: 'Set service_user to a user that is not root.' });
    }
    const shell = state.passwd?.split(':')[6];
    if (shell && !/nologin|false$/.test(shell)) {
      notes.push(`the existing user ${desired.serviceUser} has the login shell ${shell}; certfleet leaves it unchanged`);
    }
    if (actions.length === 0) return noChange(`user ${desired.serviceUser} exists and ${desired.sslDir} is ${expectedMode}`, notes);
    return { changed: true, summary: actions.map((action) => action.description).join(', '), actions, notes };
  },
};

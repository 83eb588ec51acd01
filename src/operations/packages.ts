import { OperationError } from '../errors.js';
import type { HostFacts } from '../facts/host-facts.js';
import { noChange, rootCommand, type Action, type Operation } from './types.js';

/** Package names per distro family. On RHEL, python3-flask comes from EPEL. */
const PACKAGE_NAMES = {
  debian: { flask: 'python3-flask', gunicorn: 'gunicorn' },
  rhel: { flask: 'python3-flask', gunicorn: 'python3-gunicorn' },
} as const;

function installCommand(facts: HostFacts, packages: string[]): string {
  const names = packages.join(' ');
  switch (facts.packageManager) {
    case 'apt':
      return `export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends ${names}`;
    case 'dnf':
    case 'yum':
      return `${facts.packageManager} install -y ${names}`;
    default:
      throw new OperationError('no supported package manager (apt-get, dnf or yum) was found.', {
        hint: `Install ${names} by hand, then rerun.`,
      });
  }
}

/** Installs Python's Flask (and gunicorn when it serves the app) where missing. */
export const packagesOperation: Operation = {
  name: 'packages',
  plan: ({ facts, desired }) => {
    if (!facts.pythonVersion) {
      throw new OperationError('python3 was not found on the host.', { hint: 'Install Python 3.6 or later, then rerun.' });
    }
    const family = facts.os.family === 'unknown' ? undefined : PACKAGE_NAMES[facts.os.family];
    const missing: string[] = [];
    if (!facts.flaskInstalled) missing.push(family?.flask ?? 'python3-flask');
    if (desired.server === 'gunicorn' && !facts.gunicornVersion) missing.push(family?.gunicorn ?? 'gunicorn');
    if (missing.length === 0) {
      const served = desired.server === 'gunicorn' ? `Flask and gunicorn ${facts.gunicornVersion}` : 'Flask';
      return noChange(`${served} already installed for Python ${facts.pythonVersion}`);
    }
    if (!family) {
      throw new OperationError(`unknown distro family (ID=${facts.os.id}); cannot tell which packages provide ${missing.join(', ')}.`, {
        hint: 'Install Flask for python3 by hand, then rerun.',
      });
    }
    const actions: Action[] = [];
    if (facts.os.family === 'rhel' && missing.includes('python3-flask')) {
      if (!desired.enableEpel) {
        throw new OperationError('python3-flask is not installed, and on RHEL-family hosts it comes from EPEL, which is not enabled by this playbook.', {
          hint: 'Set "enable_epel: true" in the playbook settings or install python3-flask by hand.',
        });
      }
      actions.push(rootCommand(`${facts.packageManager} install -y epel-release`, 'enable EPEL'));
    }
    actions.push(rootCommand(installCommand(facts, missing), `install ${missing.join(', ')}`));
    return { changed: true, summary: `install ${missing.join(', ')}`, actions };
  },
};

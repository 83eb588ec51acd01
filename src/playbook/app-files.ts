import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import type { ReleaseFile } from '../operations/desired-state.js';

/** Returns the folder of the files certfleet ships for hosts: the launcher and the sample app. */
export function assetsDir(): string {
  // This file is dist/src/playbook/app-files.js in the package; assets/ sits at the package root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../assets');
}

/** Names never uploaded from a user's app folder: caches, virtual environments, version control. */
const SKIPPED = new Set(['__pycache__', '.git', '.hg', '.svn', '.venv', 'venv', 'node_modules', '.mypy_cache', '.pytest_cache']);
const MAX_APP_BYTES = 50 * 1024 * 1024;

async function collectFiles(root: string, folder: string, into: ReleaseFile[], prefix: string, skipped: string[] = []): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (SKIPPED.has(entry.name) || entry.name.endsWith('.pyc')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await collectFiles(root, path, into, prefix, skipped);
    else if (entry.isFile()) into.push({ path: `${prefix}/${relative(root, path).split(sep).join('/')}`, content: await readFile(path) });
    // The release holds plain files only, so symbolic links and special files are reported and left out.
    else skipped.push(`${path} (${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'})`);
  }
}

/**
 * Builds the files of an app release: the launcher, and the app folder under app/.
 * `app` is the playbook setting; a relative path is relative to the playbook file.
 */
export async function buildReleaseFiles(
  app: 'builtin' | { path: string; callable: string },
  playbookFile: string,
): Promise<{ files: ReleaseFile[]; callable: string; skipped: string[] }> {
  const files: ReleaseFile[] = [{ path: 'launcher.py', content: await readFile(join(assetsDir(), 'launcher.py')) }];
  if (app === 'builtin') {
    await collectFiles(join(assetsDir(), 'sample-app'), join(assetsDir(), 'sample-app'), files, 'app');
    return { files, callable: 'app:app', skipped: [] };
  }
  const folder = resolve(dirname(playbookFile), app.path);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(`settings.app.path: the app folder ${folder} does not exist or is not a folder.`, { file: playbookFile, hint: 'Give a folder with your Flask app, relative to the playbook.' });
  }
  const skipped: string[] = [];
  await collectFiles(folder, folder, files, 'app', skipped);
  const module = app.callable.split(':')[0]!.replace(/\./g, '/');
  const hasModule = files.some((file) => file.path === `app/${module}.py` || file.path === `app/${module}/__init__.py`);
  if (!hasModule) {
    throw new InputError(`settings.app.callable: the module of ${app.callable} (${module}.py or ${module}/__init__.py) is not in ${folder}.`, { file: playbookFile });
  }
  const total = files.reduce((sum, file) => sum + file.content.length, 0);
  if (total > MAX_APP_BYTES) {
    throw new InputError(`settings.app.path: ${folder} contains ${total} bytes, more than the ${MAX_APP_BYTES} bytes certfleet uploads.`, { file: playbookFile, hint: 'Leave data and build output out of the app folder.' });
  }
  return { files, callable: app.callable, skipped };
}

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describeFileError, InputError } from '../errors.js';
import { playbookSchema, STEP_NAMES, type Playbook } from './schema.js';
import { formatIssues } from './zod-issues.js';

/** Returns the path of the playbook that ships with certfleet, next to the installed package. */
export function defaultPlaybookPath(): string {
  // This file is dist/src/playbook/load.js in the package; playbooks/ sits at the package root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../playbooks/flask-tls.yaml');
}

export async function loadPlaybook(file: string = defaultPlaybookPath()): Promise<Playbook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the playbook: ${describeFileError(error)}.`, {
      file,
      hint: 'Give the path of a playbook YAML file, or leave it out to run the built-in flask-tls playbook.',
    });
  }
  return parsePlaybook(text, file);
}

export function parsePlaybook(text: string, file: string): Playbook {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new InputError(`invalid YAML: ${(error as Error).message}`, { file });
  }
  // An unknown step gets its own message, because the schema alone would only report an invalid discriminator.
  const steps = (data as { steps?: unknown })?.steps;
  if (Array.isArray(steps)) {
    steps.forEach((entry, index) => {
      const name = (entry as { step?: unknown })?.step;
      if (typeof name === 'string' && !(STEP_NAMES as string[]).includes(name)) {
        throw new InputError(`steps.${index}: unknown step ${JSON.stringify(name)}; known steps: ${STEP_NAMES.join(', ')}.`, { file });
      }
    });
  }
  const result = playbookSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`invalid playbook:\n  ${formatIssues(result.error.issues).join('\n  ')}`, { file });
  }
  return { ...result.data, file };
}

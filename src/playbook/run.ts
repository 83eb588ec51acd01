import { describeError, reasonOf } from '../errors.js';
import type { HostSpec } from '../inventory/types.js';
import type { Logger } from '../log.js';
import type { DesiredState } from '../operations/desired-state.js';
import type { RemoteHost } from '../ssh/exec-result.js';
import type { HostResult } from './results.js';
import { runHost } from './run-host.js';
import type { Playbook } from './schema.js';

export interface RunPlaybookOptions {
  hosts: HostSpec[];
  playbook: Playbook;
  desired: DesiredState;
  check: boolean;
  /** Hosts worked on at once. */
  parallel: number;
  logger: Logger;
  /** Opens the connection to one host; the runner closes it. */
  connect: (host: HostSpec) => Promise<RemoteHost>;
}

/**
 * Runs a playbook on every host, at most `parallel` at a time. One host's failure
 * never stops the others; every host gets a result.
 */
export async function runPlaybook(options: RunPlaybookOptions): Promise<HostResult[]> {
  const results: HostResult[] = new Array(options.hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < options.hosts.length) {
      const index = next++;
      results[index] = await runOneHost(options.hosts[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, options.hosts.length)) }, worker));
  return results;
}

async function runOneHost(spec: HostSpec, options: RunPlaybookOptions): Promise<HostResult> {
  const log = options.logger.child({ host: spec.name });
  let connection: RemoteHost;
  try {
    connection = await options.connect(spec);
  } catch (error) {
    const message = describeError(error);
    log.error(`failed: ${reasonOf(error)}`);
    return { name: spec.name, address: spec.address, status: 'failed', changed: 0, steps: [], error: message };
  }
  try {
    return await runHost(spec, connection, { playbook: options.playbook, desired: options.desired, check: options.check, logger: options.logger });
  } finally {
    await connection.close().catch((error: unknown) => log.debug({ err: describeError(error) }, 'closing the connection failed'));
  }
}

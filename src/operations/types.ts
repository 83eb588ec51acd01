import type { HostFacts } from '../facts/host-facts.js';
import type { DesiredState } from './desired-state.js';

/** One thing to do on a host: a file upload into the staging folder, or a shell command. */
export type Action =
  | {
      kind: 'upload';
      /** Path relative to the run's private staging folder. */
      path: string;
      content: Buffer;
      mode: number;
      description: string;
    }
  | {
      kind: 'command';
      command: string;
      /** Run as root through sudo -n. */
      sudo: boolean;
      description: string;
    };

/** Decision of an operation: the actions that bring the host to the desired state, or the reason none are needed. */
export type Plan =
  | { changed: true; summary: string; actions: Action[]; notes?: string[] }
  | { changed: false; reason: string; notes?: string[] };

export interface PlanContext {
  facts: HostFacts;
  desired: DesiredState;
  /** Absolute path of this run's private staging folder on the host. */
  staging: string;
  /** Names of the steps that changed something earlier in this run, on this host. */
  changedSteps: ReadonlySet<string>;
}

/**
 * A pure planner. `stateCommand` reads what the planner needs beyond the host
 * facts (run as root); `plan` compares that state with the desired state.
 */
export interface Operation<State = undefined> {
  name: string;
  stateCommand?: (context: PlanContext) => string;
  parseState?: (output: string) => State;
  plan: (context: PlanContext, state: State) => Plan;
}

/** Commands print lines that start with this prefix for the runner to log; the rest of their output is not shown. */
export const REPORT_PREFIX = 'certfleet: ';

export function noChange(reason: string, notes?: string[]): Plan {
  return notes && notes.length > 0 ? { changed: false, reason, notes } : { changed: false, reason };
}

export function rootCommand(command: string, description: string): Action {
  return { kind: 'command', command, sudo: true, description };
}

export function userCommand(command: string, description: string): Action {
  return { kind: 'command', command, sudo: false, description };
}

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled CLI, as `npm run build` leaves it. */
export const CLI_PATH = resolve(fileURLToPath(import.meta.url), '../../../src/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `certfleet ARGS...` as a child process, the way a user runs it. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { ...process.env, CERTFLEET_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

export interface DeployReport {
  check: boolean;
  ok: boolean;
  hosts: {
    name: string;
    address: string;
    status: string;
    changed: number;
    firewall: string | null;
    error: string | null;
    steps: { step: string; status: string; summary: string; notes: string[]; plannedActions?: string[] }[];
  }[];
}

/** Parses the --json report of a deploy, with the CLI's stderr in the error when it is not JSON. */
export function parseReport(result: CliResult): DeployReport {
  try {
    return JSON.parse(result.stdout) as DeployReport;
  } catch {
    throw new Error(`certfleet printed no JSON report (exit ${result.code}).\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

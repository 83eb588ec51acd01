export type StepStatus = 'changed' | 'unchanged' | 'planned' | 'failed' | 'skipped' | 'passed';

export interface StepResult {
  step: string;
  status: StepStatus;
  /** What was done, what would be done, or why nothing was needed. */
  summary: string;
  notes: string[];
  /** In --check mode: the commands and uploads that would run. */
  plannedActions?: string[];
  durationMs: number;
}

export type HostStatus = 'ok' | 'failed' | 'planned';

export interface HostResult {
  name: string;
  address: string;
  status: HostStatus;
  /** Steps that changed something (or would, in --check mode). */
  changed: number;
  steps: StepResult[];
  /** The error that stopped this host, as one line. */
  error?: string;
  /** Which firewall filters the host, as detected. */
  firewall?: string;
  /** sha256 fingerprint of the certificate the host served when verified. */
  servedFingerprint256?: string;
}

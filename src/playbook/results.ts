export type StepStatus = 'changed' | 'unchanged' | 'planned' | 'failed' | 'skipped' | 'passed';

export interface StepResult {
  step: string;
  status: StepStatus;
  /** Summary of what was done or would be done, or the reason nothing was needed. */
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
  /** Firewall detected as the one that filters the host. */
  firewall?: string;
  /** sha256 fingerprint of the certificate the host served when verified. */
  servedFingerprint256?: string;
}

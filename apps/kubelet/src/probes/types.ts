/** Shapes shared by the probe manager, its workers and the probers. */

/** Runs `command` in a running container (docker exec); resolves with its exit code and combined output. */
export type ProbeExec = (containerId: string, command: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

/** The current container of one name in a pod, as the kubelet's last sync saw it. */
export interface RunningContainer {
  name: string;
  id: string;
  /** Unix ms. */
  startedAt: number;
  running: boolean;
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/**
 * What one probe run says (kubelet's probe.Result): `warning` counts as a success but is reported;
 * `unknown` means the prober could not run the probe at all and the result is thrown away.
 */
export interface ProbeOutcome {
  result: 'success' | 'warning' | 'failure' | 'unknown';
  output: string;
}

export const success = (output = ''): ProbeOutcome => ({ result: 'success', output });
export const failure = (output: string): ProbeOutcome => ({ result: 'failure', output });
export const warning = (output: string): ProbeOutcome => ({ result: 'warning', output });
export const unknown = (output: string): ProbeOutcome => ({ result: 'unknown', output });

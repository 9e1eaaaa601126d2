/**
 * One probe of one container instance (kubelet's prober worker): runs every periodSeconds and
 * turns runs into a result only after successThreshold successes or failureThreshold failures
 * in a row. Keyed by container id: a restarted container gets a new worker, so counters and
 * results never carry over. A liveness or startup failure past its threshold puts the worker on
 * hold (no more probing, which would only race the kill) until the container is replaced.
 */
import type { Container, Probe } from '@skiff/api';
import { PROBE_DEFAULTS } from './run-probe.ts';
import type { ProbeKind, ProbeOutcome, RunningContainer } from './types.ts';

/** What a worker needs from its manager; all reads are of the latest pod sync. */
export interface WorkerHost {
  /** The current container of this worker's name, or undefined when it is gone. */
  current(): RunningContainer | undefined;
  /** Whether the pod is being deleted (liveness and startup stop then, as upstream). */
  deleting(): boolean;
  /** Whether the container instance `id` has passed its startup probe (true when it has none). */
  started(id: string): boolean;
  now(): number;
  /** Milliseconds in a probe "second" (1000; tests shrink it). */
  secondMs: number;
  run(probe: Probe, container: Container, containerId: string): Promise<ProbeOutcome>;
  /** A run that failed or warned: the manager records the event. */
  report(worker: ProbeWorker, outcome: ProbeOutcome): void;
  /** The worker's result flipped (or liveness crossed its threshold). */
  changed(worker: ProbeWorker): void;
  onError(worker: ProbeWorker, err: unknown): void;
}

const INITIAL: Record<ProbeKind, boolean | undefined> = { readiness: false, liveness: true, startup: undefined };

export class ProbeWorker {
  readonly kind: ProbeKind;
  readonly container: Container;
  readonly containerId: string;
  readonly probe: Probe;
  /** The thresholded result; readiness starts false, liveness true, startup unknown. */
  result: boolean | undefined;
  /** Liveness/startup failed past the threshold: the container must be restarted. */
  failed = false;
  private readonly host: WorkerHost;
  private lastRun: 'success' | 'failure' | undefined;
  private runLength = 0;
  private onHold = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(kind: ProbeKind, container: Container, containerId: string, probe: Probe, host: WorkerHost) {
    this.kind = kind;
    this.container = container;
    this.containerId = containerId;
    this.probe = probe;
    this.host = host;
    this.result = INITIAL[kind];
  }

  get periodMs(): number {
    return (this.probe.periodSeconds || PROBE_DEFAULTS.periodSeconds) * this.host.secondMs;
  }

  /**
   * Starts the loop: the first run right away (skipped while initialDelaySeconds lasts), then one
   * per period. A container that has run for longer than a period was found by a restarted
   * kubelet; its first run waits a random part of the period so they do not all probe at once.
   */
  start(): void {
    const c = this.host.current();
    const age = c ? this.host.now() - c.startedAt : 0;
    this.schedule(age > this.periodMs ? Math.random() * this.periodMs : 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The container stopped running: readiness drops at once instead of at the next period. */
  notRunning(): void {
    if (this.kind === 'readiness' && this.result !== false) this.setResult(false);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), delayMs);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    const began = Date.now();
    try {
      await this.probeOnce();
    } catch (err) {
      this.host.onError(this, err);
    }
    this.schedule(Math.max(0, this.periodMs - (Date.now() - began)));
  }

  /** One period's work (kubelet's worker.doProbe); exposed for tests that drive workers by hand. */
  async probeOnce(): Promise<void> {
    if (this.stopped || this.onHold) return;
    const c = this.host.current();
    if (!c || c.id !== this.containerId) return;
    if (!c.running) return this.notRunning();
    if (this.kind !== 'readiness' && this.host.deleting()) return;
    const initialDelayMs = (this.probe.initialDelaySeconds ?? 0) * this.host.secondMs;
    if (this.host.now() - c.startedAt < initialDelayMs) return;
    // The startup probe gates the others; once it has passed it is not run again.
    if (this.kind === 'startup' ? this.result === true : !this.host.started(this.containerId)) return;

    const outcome = await this.host.run(this.probe, this.container, this.containerId);
    if (this.stopped) return;
    if (outcome.result !== 'success') this.host.report(this, outcome);
    if (outcome.result === 'unknown') return;

    const run = outcome.result === 'failure' ? 'failure' : 'success';
    this.runLength = this.lastRun === run ? this.runLength + 1 : 1;
    this.lastRun = run;
    const threshold =
      run === 'failure' ? this.probe.failureThreshold || PROBE_DEFAULTS.failureThreshold : this.probe.successThreshold || PROBE_DEFAULTS.successThreshold;
    if (this.runLength < threshold) return;

    if (run === 'failure' && this.kind !== 'readiness') {
      this.onHold = true;
      this.runLength = 0;
      this.failed = true;
      this.result = false;
      this.host.changed(this);
      return;
    }
    if (this.result !== (run === 'success')) this.setResult(run === 'success');
  }

  private setResult(value: boolean): void {
    this.result = value;
    this.host.changed(this);
  }
}

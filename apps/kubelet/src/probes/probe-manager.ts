/**
 * The kubelet's probe manager (pkg/kubelet/prober.Manager): after every pod sync `update` makes
 * sure each current container with probes has one worker per probe kind, keyed by container id,
 * so a restarted container starts over. Workers feed three result sets: readiness and startup by
 * container name (read by buildPodStatus) and the containers whose liveness or startup probe
 * failed past its threshold (read by syncPod, which restarts them). Any flip calls onChange so
 * the kubelet re-syncs the pod and writes its status.
 */
import type { Container, Pod, Probe } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { ProbeWorker, type WorkerHost } from './probe-worker.ts';
import { runProbe } from './run-probe.ts';
import type { ProbeExec, ProbeKind, ProbeOutcome, RunningContainer } from './types.ts';

export interface ProbeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  fieldPath?: string;
}

export interface ProbeManagerOptions {
  logger: Logger;
  exec: ProbeExec;
  onChange: (podUid: string) => void;
  recordEvent: (pod: Pod, ev: ProbeEvent) => void;
  /** Unix ms; for initialDelaySeconds against the container's start time. */
  now?: () => number;
  /** Milliseconds in one probe second for periods and initial delays (timeouts stay real); tests shrink it. */
  secondMs?: number;
}

interface PodProbes {
  pod: Pod;
  podIP: string;
  containers: Map<string, RunningContainer>;
  /** By `${containerName}/${kind}`. */
  workers: Map<string, ProbeWorker>;
}

const KINDS: ReadonlyArray<{ kind: ProbeKind; field: 'livenessProbe' | 'readinessProbe' | 'startupProbe'; title: string }> = [
  { kind: 'startup', field: 'startupProbe', title: 'Startup' },
  { kind: 'liveness', field: 'livenessProbe', title: 'Liveness' },
  { kind: 'readiness', field: 'readinessProbe', title: 'Readiness' },
];

export class ProbeManager {
  private readonly opts: ProbeManagerOptions;
  private readonly now: () => number;
  private readonly pods = new Map<string, PodProbes>();

  constructor(opts: ProbeManagerOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  update(pod: Pod, podIP: string, containers: RunningContainer[]): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let entry = this.pods.get(uid);
    if (!entry) {
      entry = { pod, podIP, containers: new Map(), workers: new Map() };
      this.pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.podIP = podIP;
    entry.containers = new Map(containers.map((c) => [c.name, c]));

    const wanted = new Set<string>();
    for (const { spec, fieldPath } of probedContainers(pod)) {
      const current = entry.containers.get(spec.name);
      if (!current) continue;
      for (const { kind, field } of KINDS) {
        const probe = spec[field];
        if (!probe) continue;
        const key = `${spec.name}/${kind}`;
        wanted.add(key);
        let worker = entry.workers.get(key);
        if (worker?.containerId !== current.id) {
          worker?.stop();
          worker = new ProbeWorker(kind, spec, current.id, probe, this.hostFor(uid, spec.name, fieldPath));
          entry.workers.set(key, worker);
          worker.start();
        }
        if (!current.running) worker.notRunning();
      }
    }
    for (const [key, worker] of entry.workers) {
      if (wanted.has(key)) continue;
      worker.stop();
      entry.workers.delete(key);
    }
    if (entry.workers.size === 0) this.pods.delete(uid);
  }

  removePod(podUid: string): void {
    const entry = this.pods.get(podUid);
    if (!entry) return;
    for (const worker of entry.workers.values()) worker.stop();
    this.pods.delete(podUid);
  }

  results(podUid: string): { readiness: Map<string, boolean>; startup: Map<string, boolean> } {
    const readiness = new Map<string, boolean>();
    const startup = new Map<string, boolean>();
    for (const worker of this.pods.get(podUid)?.workers.values() ?? []) {
      if (worker.kind === 'readiness') readiness.set(worker.container.name, worker.result === true);
      if (worker.kind === 'startup') startup.set(worker.container.name, worker.result === true);
    }
    return { readiness, startup };
  }

  livenessFailed(podUid: string): Set<string> {
    const names = new Set<string>();
    const entry = this.pods.get(podUid);
    for (const worker of entry?.workers.values() ?? []) {
      const current = entry!.containers.get(worker.container.name);
      // A container that already stopped needs no kill, whatever its probes said.
      if (worker.failed && current?.id === worker.containerId && current.running) names.add(worker.container.name);
    }
    return names;
  }

  /** Which probe condemned `name` — 'startup' or 'liveness' — for the Killing event's wording; undefined when none did. */
  failedProbe(podUid: string, name: string): 'liveness' | 'startup' | undefined {
    for (const worker of this.pods.get(podUid)?.workers.values() ?? []) {
      if (worker.failed && worker.container.name === name && worker.kind !== 'readiness') return worker.kind;
    }
    return undefined;
  }

  /**
   * The grace period for killing `name` after its liveness or startup probe failed, when that
   * probe sets its own terminationGracePeriodSeconds (upstream's ProbeTerminationGracePeriod);
   * otherwise undefined and the pod's applies.
   */
  killGracePeriodSeconds(podUid: string, name: string): number | undefined {
    for (const worker of this.pods.get(podUid)?.workers.values() ?? []) {
      if (worker.failed && worker.container.name === name && worker.probe.terminationGracePeriodSeconds !== undefined) {
        return worker.probe.terminationGracePeriodSeconds;
      }
    }
    return undefined;
  }

  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  private hostFor(uid: string, name: string, fieldPath: string): WorkerHost {
    const entry = () => this.pods.get(uid);
    const { logger } = this.opts;
    return {
      current: () => entry()?.containers.get(name),
      deleting: () => Boolean(entry()?.pod.metadata?.deletionTimestamp),
      started: (id) => {
        const e = entry();
        const worker = [...(e?.workers.values() ?? [])].find((w) => w.kind === 'startup' && w.containerId === id);
        return worker === undefined || worker.result === true;
      },
      now: this.now,
      secondMs: this.opts.secondMs ?? 1000,
      run: (probe: Probe, container: Container, containerId: string) =>
        runProbe(probe, { container, containerId, podIP: entry()?.podIP ?? '', exec: this.opts.exec }),
      report: (worker, outcome) => this.report(uid, fieldPath, worker, outcome),
      changed: (worker) => {
        logger.debug(
          { podUid: uid, container: worker.container.name, probe: worker.kind, result: worker.result, failed: worker.failed },
          'probe result changed',
        );
        try {
          this.opts.onChange(uid);
        } catch (err) {
          logger.warn({ err, podUid: uid }, 'probe onChange handler threw');
        }
      },
      onError: (worker, err) => logger.warn({ err, podUid: uid, container: worker.container.name, probe: worker.kind }, 'probe worker failed'),
    } satisfies WorkerHost;
  }

  private report(uid: string, fieldPath: string, worker: ProbeWorker, outcome: ProbeOutcome): void {
    const pod = this.pods.get(uid)?.pod;
    if (!pod) return;
    const title = KINDS.find((k) => k.kind === worker.kind)!.title;
    const ev: ProbeEvent =
      outcome.result === 'warning'
        ? { type: 'Warning', reason: 'ProbeWarning', message: `${title} probe warning: ${outcome.output}`, fieldPath }
        : outcome.result === 'unknown'
          ? { type: 'Warning', reason: 'Unhealthy', message: `${title} probe errored and resulted in unknown state: ${outcome.output}`, fieldPath }
          : { type: 'Warning', reason: 'Unhealthy', message: `${title} probe failed: ${outcome.output}`, fieldPath };
    this.opts.logger.debug({ podUid: uid, container: worker.container.name, probe: worker.kind, output: outcome.output }, `probe ${outcome.result}`);
    try {
      this.opts.recordEvent(pod, ev);
    } catch (err) {
      this.opts.logger.warn({ err, podUid: uid }, 'probe recordEvent threw');
    }
  }
}

/** Containers that can have probes: the app containers and the sidecars (restartable init containers). */
function probedContainers(pod: Pod): Array<{ spec: Container; fieldPath: string }> {
  const sidecars = (pod.spec?.initContainers ?? [])
    .filter((c) => c.restartPolicy === 'Always')
    .map((spec) => ({ spec, fieldPath: `spec.initContainers{${spec.name}}` }));
  const apps = (pod.spec?.containers ?? []).map((spec) => ({ spec, fieldPath: `spec.containers{${spec.name}}` }));
  return [...sidecars, ...apps];
}

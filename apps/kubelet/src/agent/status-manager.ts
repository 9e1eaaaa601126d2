/**
 * Writes pods' status (kubelet's status manager): the status built from the runtime, the probe
 * results and the last sync's waiting reasons is patched only when it differs from what the
 * apiserver has, and a terminal phase is never taken back.
 */
import { findResource, type Pod, type PodStatus } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';

const podsResource = findResource('', 'v1', 'pods')!;
const RECENT_WRITE_MS = 5_000;

export class StatusManager {
  readonly #client: Pick<RestClient, 'patch'>;
  readonly #logger: Logger;
  /** The last status written per uid: the informer may lag behind our own write. */
  readonly #written = new Map<string, { status: string; value: PodStatus; at: number }>();
  writes = 0;

  constructor(client: Pick<RestClient, 'patch'>, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** Patches pods/status when `status` differs from the pod's; returns whether it wrote. */
  async setStatus(pod: Pod, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    const current = pod.status ?? {};
    if (current.phase === 'Succeeded' || current.phase === 'Failed') status = { ...status, phase: current.phase };
    const next = normalize(status);
    if (normalize(current) === next) {
      // The server has it: the record of our write has served (one string less per pod on a hollow node).
      this.#written.delete(uid);
      return false;
    }
    // The informer lags behind our own write for a moment; an identical recent write is not repeated.
    const last = this.#written.get(uid);
    if (last?.status === next && Date.now() - last.at < RECENT_WRITE_MS) return false;
    try {
      // Fields we no longer report (podIP of a dead sandbox, lastState) must go: null removes them in a merge patch.
      const removed = Object.fromEntries(
        Object.keys(current)
          .filter((k) => !(k in status) && k !== 'qosClass' && k !== 'nominatedNodeName')
          .map((k) => [k, null]),
      );
      await this.#client.patch(
        podsResource,
        pod.metadata?.namespace,
        pod.metadata?.name ?? '',
        'merge',
        { status: { ...removed, ...status } },
        { subresource: 'status' },
      );
      this.#written.set(uid, { status: next, value: status, at: Date.now() });
      this.writes++;
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** What we wrote last for the pod, while the server (as the informer shows it) does not have it yet. */
  lastWritten(uid: string): PodStatus | undefined {
    return this.#written.get(uid)?.value;
  }

  forget(uid: string): void {
    this.#written.delete(uid);
  }
}

/** Stable JSON of the fields we own, for comparison. */
function normalize(s: PodStatus): string {
  const pick = {
    phase: s.phase,
    podIP: s.podIP,
    hostIP: s.hostIP,
    startTime: s.startTime,
    conditions: [...(s.conditions ?? [])]
      .sort((a, b) => a.type.localeCompare(b.type))
      .map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]),
    initContainerStatuses: s.initContainerStatuses,
    containerStatuses: s.containerStatuses,
  };
  return JSON.stringify(pick, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

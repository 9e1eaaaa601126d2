/**
 * status.disruptedPods: pods an eviction has admitted (the eviction subresource adds them, with
 * the time) whose deletion the controller has not seen yet. Until it does, they do not count as
 * healthy, so two evictions racing the controller cannot both spend the same disruption. An entry
 * goes once its pod is gone or terminating, or after DeletionTimeout if the pod was never deleted.
 */
import type { Pod } from '@skiff/api';
import { isPodReady } from '../common/pod-readiness.ts';

/** pkg/controller/disruption's DeletionTimeout. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export interface DisruptedPodMap {
  /** The entries to keep: pod name → the time the eviction admitted it. */
  disruptedPods: Record<string, string>;
  /** When the earliest kept entry expires (ms since the epoch), to look again then. */
  recheckAt?: number;
  /** Pods whose entry expired without the pod being deleted (upstream warns NotDeleted on them). */
  notDeleted: Pod[];
}

/** buildDisruptedPodMap: keeps the entries of selected, live pods whose timeout has not passed. */
export function buildDisruptedPodMap(pods: readonly Pod[], current: Readonly<Record<string, string>> | undefined, now: number): DisruptedPodMap {
  const result: DisruptedPodMap = { disruptedPods: {}, notDeleted: [] };
  if (!current) return result;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) continue;
    const since = current[name];
    if (since === undefined) continue;
    const expectedDeletion = Date.parse(since) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      result.notDeleted.push(pod);
    } else {
      if (result.recheckAt === undefined || expectedDeletion < result.recheckAt) result.recheckAt = expectedDeletion;
      result.disruptedPods[name] = since;
    }
  }
  return result;
}

/** countHealthyPods: Ready, not terminating, and not waiting out a fresh disruption. */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Readonly<Record<string, string>>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const since = disruptedPods[pod.metadata?.name ?? ''];
    if (since !== undefined && Date.parse(since) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

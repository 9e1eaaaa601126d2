import type { PodDisruptionBudget } from '@skiff/api';
import type { NodeInfo } from '../cache.ts';
import { unresolvable, type FilterResult } from '../filters/filter.ts';
import type { PodInfo } from '../pod-info.ts';
import { splitByPdbViolation } from './pdb-violations.ts';

export const REASON_NO_VICTIMS = 'No preemption victims found for incoming pod';

/** Runs every filter for the pod on the node (nominated pods included); undefined = fits. */
export type NodeFilter = (pod: PodInfo, node: NodeInfo) => FilterResult;

export interface Victims {
  /** Most important first (priority, then earliest start), as upstream keeps them. */
  pods: PodInfo[];
  numPdbViolations: number;
}

/** A pod's start time in ms; a pod not started yet counts as starting now, as upstream's GetPodStartTime. */
export function podStartTime(info: PodInfo, now = Date.now()): number {
  const started = info.pod.status?.startTime;
  const ms = started ? Date.parse(started) : NaN;
  return Number.isNaN(ms) ? now : ms;
}

/** Upstream's MoreImportantPod: higher priority, then the longer-running pod. */
export function moreImportant(a: PodInfo, b: PodInfo, now = Date.now()): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return podStartTime(a, now) < podStartTime(b, now);
}

function byImportance(now: number): (a: PodInfo, b: PodInfo) => number {
  return (a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0);
}

/**
 * Upstream's SelectVictimsOnNode on a copy of the node: take every lower-priority pod off; if
 * the pod still does not fit, the node is no candidate (the filter's reasons say why). Else put
 * victims back one by one, most important first — those whose loss would violate a
 * PodDisruptionBudget before the others, so they are the ones kept when room allows — and keep
 * as victims only those the pod cannot fit beside.
 *
 * Example: a 4-cpu node with pods of 2, 1 and 1 cpu at priority 10, 5 and 5, and a 2-cpu pod of
 * priority 100: all three come off (4 cpu free); the priority-10 pod goes back (2 free, fits),
 * then a priority-5 pod does not fit beside it (1 free) and is a victim, and so is the last.
 */
export function selectVictimsOnNode(
  pod: PodInfo,
  node: NodeInfo,
  pdbs: readonly PodDisruptionBudget[],
  filter: NodeFilter,
  now = Date.now(),
): Victims | { rejected: FilterResult } {
  const copy = node.clone();
  const potential: PodInfo[] = [];
  for (const other of copy.pods.values()) {
    if (other.priority < pod.priority) potential.push(other);
  }
  if (potential.length === 0) return { rejected: unresolvable([REASON_NO_VICTIMS]) };
  for (const victim of potential) copy.addPod(victim, -1);
  const rejected = filter(pod, copy);
  if (rejected) return { rejected };

  potential.sort(byImportance(now));
  const { violating, nonViolating } = splitByPdbViolation(potential, pdbs);
  const victims: PodInfo[] = [];
  let numPdbViolations = 0;
  const reprieve = (victim: PodInfo): boolean => {
    copy.addPod(victim, 1);
    if (!filter(pod, copy)) return true;
    copy.addPod(victim, -1);
    victims.push(victim);
    return false;
  };
  for (const victim of violating) if (!reprieve(victim)) numPdbViolations++;
  for (const victim of nonViolating) reprieve(victim);
  if (violating.length > 0 && nonViolating.length > 0) victims.sort(byImportance(now));
  return { pods: victims, numPdbViolations };
}

import type { NodeInfo } from '../cache.ts';
import { podStartTime, type Victims } from './select-victims.ts';

/** A node where preemption would let the pod fit, and what it would cost. */
export interface Candidate extends Victims {
  node: NodeInfo;
}

// Priorities are int32; shifting them by 2^31 makes every term of the sum non-negative, so a
// node with a few negative-priority victims does not look cheaper than one with fewer.
const PRIORITY_SHIFT = 2 ** 31;

/**
 * Upstream's pickOneNodeForPreemption: each criterion in turn keeps only the best-scoring
 * candidates, until one is left (or the first of the ties after the last criterion):
 * 1. fewest PodDisruptionBudget violations;
 * 2. the lowest priority among the most important victims;
 * 3. the smallest sum of victim priorities;
 * 4. the fewest victims;
 * 5. the latest start among the highest-priority victims (disturb the youngest work).
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now = Date.now()): Candidate | undefined {
  const scores: ((c: Candidate) => number)[] = [
    (c) => -c.numPdbViolations,
    (c) => -(c.pods[0]?.priority ?? 0),
    (c) => -c.pods.reduce((sum, p) => sum + p.priority + PRIORITY_SHIFT, 0),
    (c) => -c.pods.length,
    (c) => earliestStartOfTopVictims(c, now),
  ];
  let remaining = [...candidates];
  for (const score of scores) {
    if (remaining.length <= 1) break;
    let best = -Infinity;
    let kept: Candidate[] = [];
    for (const c of remaining) {
      const s = score(c);
      if (s > best) {
        best = s;
        kept = [c];
      } else if (s === best) kept.push(c);
    }
    remaining = kept;
  }
  return remaining[0];
}

/** The earliest start time among the victims that share the highest priority. */
function earliestStartOfTopVictims(c: Candidate, now: number): number {
  if (c.pods.length === 0) return -Infinity;
  const top = c.pods[0].priority;
  let earliest = Infinity;
  for (const p of c.pods) if (p.priority === top) earliest = Math.min(earliest, podStartTime(p, now));
  return earliest;
}

import type { Pod, PodDisruptionBudget } from '@skiff/api';
import type { NodeInfo } from '../cache.ts';
import { isUnresolvable, type FilterResult } from '../filters/filter.ts';
import { formatFitError } from '../fit-error.ts';
import type { PodInfo } from '../pod-info.ts';
import { pickOneNodeForPreemption, type Candidate } from './pick-node.ts';
import { selectVictimsOnNode, type NodeFilter } from './select-victims.ts';

export const REASON_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

// Upstream's DefaultPreemptionArgs defaults: dry-run at least 10% of the nodes, and at least 100.
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface PreemptionInput {
  pod: PodInfo;
  nodes: readonly NodeInfo[];
  /** Why each node rejected the pod in this cycle (every node did). */
  rejections: ReadonlyMap<NodeInfo, FilterResult>;
  /** Where the pod is nominated already, from an earlier preemption. */
  nominatedNode: NodeInfo | undefined;
  pdbs: readonly PodDisruptionBudget[];
  filter: NodeFilter;
  random?: () => number;
  now?: number;
}

/**
 * Either a node to preempt on, or the PostFilter message for FailedScheduling ("preemption: ...")
 * and whether a stale nomination should be cleared (no node can help any more).
 */
export type PreemptionResult = { candidate: Candidate } | { message: string; clearNomination: boolean };

/** A pod deleted by a preemption and still terminating: upstream's podTerminatingByPreemption. */
export function isTerminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  const c = pod.status?.conditions?.find((cond) => cond.type === 'DisruptionTarget');
  return c?.status === 'True' && c.reason === REASON_PREEMPTION_BY_SCHEDULER;
}

/**
 * Upstream's PodEligibleToPreemptOthers: never for preemptionPolicy Never; and not again while
 * victims of its last preemption still terminate on its nominated node (their room is coming),
 * unless that node cannot take it any more whatever is removed.
 */
export function ineligibility(input: Pick<PreemptionInput, 'pod' | 'nominatedNode' | 'rejections'>): string | undefined {
  const { pod, nominatedNode } = input;
  if (pod.pod.spec?.preemptionPolicy === 'Never') return NOT_ELIGIBLE_NEVER;
  if (!nominatedNode || isUnresolvable(input.rejections.get(nominatedNode))) return undefined;
  for (const other of nominatedNode.pods.values()) {
    if (other.priority < pod.priority && isTerminatingByPreemption(other.pod)) return NOT_ELIGIBLE_TERMINATING;
  }
  return undefined;
}

export function numCandidates(numNodes: number): number {
  const n = Math.max(Math.floor((numNodes * MIN_CANDIDATE_NODES_PERCENTAGE) / 100), MIN_CANDIDATE_NODES_ABSOLUTE);
  return Math.min(n, numNodes);
}

/**
 * Upstream's DefaultPreemption PostFilter for a pod that fits nowhere: dry-run preemption on
 * every node whose rejection removing pods could cure (from a random offset, stopping once
 * enough candidates are found and one of them violates no budget), then pick the cheapest.
 */
export function evaluatePreemption(input: PreemptionInput): PreemptionResult {
  const notEligible = ineligibility(input);
  if (notEligible) return { message: `preemption: ${notEligible}`, clearNomination: false };
  const potential = input.nodes.filter((node) => {
    const rejected = input.rejections.get(node);
    return rejected !== undefined && !isUnresolvable(rejected);
  });
  const statuses = new Map<NodeInfo, FilterResult>();
  const candidates = dryRun(input, potential, statuses);
  const best = pickOneNodeForPreemption(candidates, input.now);
  if (best) return { candidate: best };
  const reasons = new Map<string, number>();
  for (const node of input.nodes) {
    for (const reason of statuses.get(node) ?? [REASON_NOT_HELPFUL]) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return { message: `preemption: ${formatFitError(input.nodes.length, reasons)}`, clearNomination: true };
}

function dryRun(input: PreemptionInput, potential: readonly NodeInfo[], statuses: Map<NodeInfo, FilterResult>): Candidate[] {
  const n = potential.length;
  if (n === 0) return [];
  const wanted = numCandidates(n);
  const offset = Math.floor((input.random ?? Math.random)() * n);
  const nonViolating: Candidate[] = [];
  const violating: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const node = potential[(offset + i) % n];
    const result = selectVictimsOnNode(input.pod, node, input.pdbs, input.filter, input.now);
    if ('rejected' in result) {
      statuses.set(node, result.rejected);
      continue;
    }
    if (result.pods.length === 0) continue; // it fits as is: nothing to preempt here
    (result.numPdbViolations === 0 ? nonViolating : violating).push({ node, ...result });
    if (nonViolating.length > 0 && nonViolating.length + violating.length >= wanted) break;
  }
  return [...nonViolating, ...violating];
}

import type { NodeInfo } from './cache.ts';
import { DEFAULT_FILTERS, type Filter, type FilterResult } from './filters/index.ts';
import type { Nominator } from './nominator.ts';
import type { PodInfo } from './pod-info.ts';
import { scoreLeastAllocated } from './scores/least-allocated.ts';
import { countOwnerPods, scoreSpread } from './scores/spread.ts';

export interface FindResult {
  /** The chosen node, or undefined when none fits. */
  node: NodeInfo | undefined;
  /** For a failure: reason → number of nodes rejected for it (over every node). */
  reasons: Map<string, number>;
  numAllNodes: number;
  /** Nodes filtered this attempt (less than all when sampling stopped early). */
  evaluated: number;
  /** For a failure: each node's rejection, which preemption reads (resolvable or not). */
  rejections: ReadonlyMap<NodeInfo, FilterResult>;
}

const NO_REJECTIONS: ReadonlyMap<NodeInfo, FilterResult> = new Map();

export interface NodeFinderOptions {
  /** 1–100: score only this share of nodes; 0 (default) is kube's adaptive share. */
  percentageOfNodesToScore?: number;
  filters?: readonly Filter[];
  random?: () => number;
  /** Nominated pods held on their nodes while lower-priority pods are filtered. */
  nominator?: Nominator;
}

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;
const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

/**
 * kube's numFeasibleNodesToFind: in a big cluster, stop filtering once enough nodes fit.
 * Adaptive share = 50% − nodes/125, at least 5%, and never fewer than 100 nodes.
 * Example: 5,000 nodes → 50 − 40 = 10% → 500 feasible nodes are enough.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(numAllNodes / 125);
    if (adaptive < MIN_FEASIBLE_NODES_PERCENTAGE) adaptive = MIN_FEASIBLE_NODES_PERCENTAGE;
  }
  const num = Math.floor((numAllNodes * adaptive) / 100);
  return num < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : num;
}

/**
 * The scheduling algorithm for one pod: filter nodes (starting where the previous pod
 * stopped, so samples rotate over the cluster, as kube's nextStartNodeIndex), score the
 * feasible ones with LeastAllocated + owner spreading (weight 1 each), and pick the best,
 * breaking ties at random. Plain loops over the node array; the only per-pod allocations
 * are the result and, on rejection, the reason counts.
 */
export class NodeFinder {
  readonly #filters: readonly Filter[];
  readonly #percentage: number;
  readonly #random: () => number;
  readonly #nominator: Nominator | undefined;
  readonly #feasible: NodeInfo[] = [];
  readonly #rejectedNodes: NodeInfo[] = [];
  readonly #rejectedResults: FilterResult[] = [];
  #nextStart = 0;

  constructor(opts: NodeFinderOptions = {}) {
    this.#filters = opts.filters ?? DEFAULT_FILTERS;
    this.#percentage = opts.percentageOfNodesToScore ?? 0;
    this.#random = opts.random ?? Math.random;
    this.#nominator = opts.nominator;
  }

  /**
   * A pod nominated to a node after preempting there tries that node first, alone: once its
   * victims are gone it goes where it made room (upstream's evaluateNominatedNode).
   */
  find(pod: PodInfo, nodes: readonly NodeInfo[], nominated?: NodeInfo): FindResult {
    const n = nodes.length;
    const reasons = new Map<string, number>();
    if (n === 0) return { node: undefined, reasons, numAllNodes: 0, evaluated: 0, rejections: NO_REJECTIONS };
    if (nominated && !this.filter(pod, nominated)) return { node: nominated, reasons, numAllNodes: n, evaluated: 1, rejections: NO_REJECTIONS };
    const wanted = numFeasibleNodesToFind(n, this.#percentage);
    const feasible = this.#feasible;
    feasible.length = 0;
    const start = this.#nextStart % n;
    let evaluated = 0;
    const rejectedNodes = this.#rejectedNodes;
    const rejectedResults = this.#rejectedResults;
    while (evaluated < n && feasible.length < wanted) {
      const node = nodes[(start + evaluated) % n];
      evaluated++;
      const rejected = this.filter(pod, node);
      if (!rejected) {
        feasible.push(node);
        continue;
      }
      for (const reason of rejected) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      rejectedNodes.push(node);
      rejectedResults.push(rejected);
    }
    this.#nextStart = (start + evaluated) % n;
    const node = feasible.length <= 1 ? feasible[0] : this.#selectBest(pod, feasible);
    let rejections = NO_REJECTIONS;
    if (!node) rejections = new Map(rejectedNodes.map((rejected, i) => [rejected, rejectedResults[i]]));
    feasible.length = 0;
    rejectedNodes.length = 0;
    rejectedResults.length = 0;
    return { node, reasons, numAllNodes: n, evaluated, rejections };
  }

  /**
   * Runs the filters with the pods nominated to the node at the pod's priority or above
   * counted as if placed there; undefined when the pod fits.
   */
  filter(pod: PodInfo, node: NodeInfo): FilterResult {
    const nominated = this.#nominator?.podsOn(node.name);
    if (!nominated) return this.#runFilters(pod, node);
    const held: PodInfo[] = [];
    for (const other of nominated.values()) {
      if (other.key === pod.key || other.priority < pod.priority || node.pods.has(other.key)) continue;
      node.addPod(other, 1);
      held.push(other);
    }
    try {
      return this.#runFilters(pod, node);
    } finally {
      for (const other of held) node.addPod(other, -1);
    }
  }

  #runFilters(pod: PodInfo, node: NodeInfo): FilterResult {
    for (const filter of this.#filters) {
      const rejected = filter(pod, node);
      if (rejected) return rejected;
    }
    return undefined;
  }

  #selectBest(pod: PodInfo, feasible: readonly NodeInfo[]): NodeInfo {
    let maxCount = 0;
    if (pod.ownerUid) {
      for (const node of feasible) maxCount = Math.max(maxCount, countOwnerPods(pod, node));
    }
    let best = feasible[0];
    let bestScore = -1;
    let ties = 0;
    for (const node of feasible) {
      const score = scoreLeastAllocated(pod, node) + scoreSpread(countOwnerPods(pod, node), maxCount);
      if (score > bestScore) {
        best = node;
        bestScore = score;
        ties = 1;
      } else if (score === bestScore) {
        // Reservoir sampling: each of the k tied nodes ends up chosen with chance 1/k.
        ties++;
        if (this.#random() * ties < 1) best = node;
      }
    }
    return best;
  }
}

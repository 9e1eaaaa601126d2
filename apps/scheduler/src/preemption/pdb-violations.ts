import { fromLabelSelector, type PodDisruptionBudget, type Selector } from '@skiff/api';
import type { PodInfo } from '../pod-info.ts';

/** Victims whose removal would take some PodDisruptionBudget below its budget, and the rest. */
export interface PdbSplit {
  violating: PodInfo[];
  nonViolating: PodInfo[];
}

/** A missing or empty selector matches nothing here, as upstream's preemption reads it; so does an invalid one. */
function selectorOf(pdb: PodDisruptionBudget): Selector | undefined {
  try {
    const selector = fromLabelSelector(pdb.spec?.selector);
    return selector.empty ? undefined : selector;
  } catch {
    return undefined;
  }
}

/**
 * Upstream's filterPodsWithPDBViolation: walks the victims in the given order, spending each
 * matching budget's status.disruptionsAllowed; a pod that drives a budget below zero is a
 * violation. A pod already listed in the budget's status.disruptedPods was counted by the
 * apiserver (an eviction in flight) and spends nothing. Stable: each group keeps the order.
 */
export function splitByPdbViolation(victims: readonly PodInfo[], pdbs: readonly PodDisruptionBudget[]): PdbSplit {
  const allowed = pdbs.map((pdb) => pdb.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map(selectorOf);
  const split: PdbSplit = { violating: [], nonViolating: [] };
  for (const victim of victims) {
    const meta = victim.pod.metadata;
    const labels = meta?.labels ?? {};
    let violated = false;
    if (Object.keys(labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        const selector = selectors[i];
        if (pdb.metadata?.namespace !== meta?.namespace || !selector?.matches(labels)) return;
        if (meta?.name && pdb.status?.disruptedPods?.[meta.name] !== undefined) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    }
    (violated ? split.violating : split.nonViolating).push(victim);
  }
  return split;
}

/**
 * The status a PodDisruptionBudget should show (updatePdbStatus, failSafe and the
 * DisruptionAllowed condition of k8s.io/component-helpers' poddisruptionbudget helpers).
 * Pure: the syncer reads the world, these decide what to write.
 */
import { deepEqual, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '@skiff/api';
import { formatTime } from '../deployment/conditions.ts';

/** metav1.Condition, as the status holds it. */
type Condition = NonNullable<PodDisruptionBudgetStatus['conditions']>[number];

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';

export interface BudgetCounts {
  currentHealthy: number;
  desiredHealthy: number;
  expectedCount: number;
  disruptedPods: Record<string, string>;
}

/**
 * The new status, or undefined when the stored one already says it all. disruptionsAllowed is
 * currentHealthy − desiredHealthy, but 0 while no pod is expected: a budget that matches nothing
 * yet must not allow a disruption the moment its first pods appear, before it is synced again.
 */
export function nextStatus(pdb: PodDisruptionBudget, counts: BudgetCounts, now: Date): PodDisruptionBudgetStatus | undefined {
  const { currentHealthy, desiredHealthy, expectedCount, disruptedPods } = counts;
  const disruptionsAllowed = expectedCount <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
  const generation = pdb.metadata?.generation ?? 0;
  const old = pdb.status;
  if (
    old?.currentHealthy === currentHealthy &&
    old.desiredHealthy === desiredHealthy &&
    old.expectedPods === expectedCount &&
    old.disruptionsAllowed === disruptionsAllowed &&
    deepEqual(old.disruptedPods ?? {}, disruptedPods) &&
    (old.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  const status: PodDisruptionBudgetStatus = {
    ...(generation ? { observedGeneration: generation } : {}),
    ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    conditions: structuredClone(old?.conditions ?? []),
  };
  const allowed = disruptionsAllowed > 0;
  setStatusCondition(
    status.conditions!,
    {
      type: DISRUPTION_ALLOWED_CONDITION,
      status: allowed ? 'True' : 'False',
      reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
      message: '',
      observedGeneration: generation,
    },
    now,
  );
  return status;
}

/**
 * failSafe: when the counts cannot be worked out, at least allow no disruption, and say why,
 * so an eviction is never approved on a stale figure.
 */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: Date): PodDisruptionBudgetStatus {
  const status: PodDisruptionBudgetStatus = structuredClone(pdb.status ?? {}) as PodDisruptionBudgetStatus;
  status.disruptionsAllowed = 0;
  status.conditions ??= [];
  setStatusCondition(
    status.conditions,
    {
      type: DISRUPTION_ALLOWED_CONDITION,
      status: 'False',
      reason: SYNC_FAILED_REASON,
      message,
      observedGeneration: status.observedGeneration ?? 0,
    },
    now,
  );
  return status;
}

/** The condition agrees with disruptionsAllowed for the current generation. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const cond = pdb.status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!cond || (pdb.status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}

/** apimeta.SetStatusCondition: lastTransitionTime moves only when the status does. */
function setStatusCondition(conditions: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: Date): void {
  const existing = conditions.find((c) => c.type === next.type);
  if (!existing) {
    conditions.push({ ...withoutZeroGeneration(next), lastTransitionTime: formatTime(now) });
    return;
  }
  if (existing.status !== next.status) {
    existing.status = next.status;
    existing.lastTransitionTime = formatTime(now);
  }
  existing.reason = next.reason;
  existing.message = next.message;
  if (next.observedGeneration) existing.observedGeneration = next.observedGeneration;
  else delete existing.observedGeneration;
}

function withoutZeroGeneration(c: Omit<Condition, 'lastTransitionTime'>): Omit<Condition, 'lastTransitionTime'> {
  const { observedGeneration, ...rest } = c;
  return observedGeneration ? { ...rest, observedGeneration } : rest;
}

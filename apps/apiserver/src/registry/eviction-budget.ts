/**
 * The pure half of pods/eviction: which PodDisruptionBudgets cover a pod, whether a pod needs a
 * budget check at all, the verify-and-decrement of a budget's status, and the errors and pod
 * condition the eviction answers with, in the words of pkg/registry/core/pod/storage/eviction.go.
 * eviction.ts does the reads and writes around them.
 */
import { fromLabelSelector, type LabelSelector, type Pod, type PodDisruptionBudget } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import { formatTimestamp } from './object-helpers.ts';

/**
 * More pods than this in status.disruptedPods means many evictions the disruption controller has
 * not seen yet; upstream stops approving more until it catches up (it expires entries itself).
 */
export const MAX_DISRUPTED_POD_SIZE = 2000;

const BUDGET_VIOLATED = "Cannot evict pod as it would violate the pod's disruption budget.";
/** policyv1.DisruptionBudgetCause: the cause reason eviction 429s carry. */
const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

/** 429 for a budget with no disruption left. Retry-After is 0 (no header), as upstream: only time or a new ready pod helps. */
export function budgetViolated(pdb: PodDisruptionBudget): ApiError {
  const { desiredHealthy = 0, currentHealthy = 0 } = pdb.status ?? {};
  return new ApiError(429, 'TooManyRequests', BUDGET_VIOLATED, {
    causes: [
      {
        reason: DISRUPTION_BUDGET_CAUSE,
        message: `The disruption budget ${pdb.metadata?.name ?? ''} needs ${desiredHealthy} healthy pods and has ${currentHealthy} currently`,
      },
    ],
  });
}

/** 429 for a budget whose status the disruption controller has not caught up with (or an unready pod racing back to Ready). */
export function budgetStillProcessing(pdbName: string): ApiError {
  return new ApiError(429, 'TooManyRequests', BUDGET_VIOLATED, {
    causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${pdbName} is still being processed by the server.` }],
    retryAfterSeconds: 10,
  });
}

/** Upstream answers a pod under two budgets with a bare 500 Status (no reason). */
export function moreThanOneBudget(): ApiError {
  return new ApiError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
}

function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

/** The budgets in the pod's namespace whose selector selects it; an empty or invalid selector selects nothing here. */
export function budgetsCovering(pdbs: readonly PodDisruptionBudget[], pod: Pod): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata?.namespace !== pod.metadata?.namespace || isEmptySelector(pdb.spec?.selector)) return false;
    try {
      return fromLabelSelector(pdb.spec?.selector).matches(pod.metadata?.labels);
    } catch {
      return false;
    }
  });
}

const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * canIgnorePDB: a finished pod already is a disruption, a Pending one is not serving yet, and one
 * being deleted is going anyway; none of them needs a budget's permission.
 */
export function canIgnoreBudget(pod: Pod): boolean {
  return isFinished(pod) || pod.status?.phase === 'Pending' || Boolean(pod.metadata?.deletionTimestamp);
}

/**
 * A Pending pod deleted without a budget check is deleted at the resourceVersion that was checked,
 * so a pod that became Running (and maybe Ready) in between is not taken without asking.
 */
export function shouldEnforceResourceVersion(pod: Pod): boolean {
  return !isFinished(pod) && !pod.metadata?.deletionTimestamp;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * An unready pod counts toward no budget, so deleting it disrupts nothing when the budget is met
 * (IfHealthyBudget, the default) or when the budget says unhealthy pods may always go (AlwaysAllow).
 * Otherwise it goes through checkAndDecrement like a ready pod.
 */
export function unhealthyPodMayGo(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const { currentHealthy = 0, desiredHealthy = 0 } = pdb.status ?? {};
  return currentHealthy >= desiredHealthy && desiredHealthy > 0;
}

/**
 * Verify-and-decrement: the budget with one disruption fewer and `podName` in disruptedPods (so the
 * disruption controller counts it as gone before it is), or the refusal. A dry run only checks.
 */
export function checkAndDecrement(pdb: PodDisruptionBudget, podName: string, now: Date, dryRun: boolean): PodDisruptionBudget {
  const name = pdb.metadata?.name ?? '';
  const status = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw budgetStillProcessing(name);
  const budget = { group: 'policy', resource: 'poddisruptionbudget' };
  if (status.disruptionsAllowed < 0) throw errors.forbidden(budget, name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw errors.forbidden(budget, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) throw budgetViolated(pdb);
  if (dryRun) return pdb;
  const next = structuredClone(pdb);
  const nextStatus = next.status!;
  nextStatus.disruptionsAllowed -= 1;
  if (nextStatus.disruptionsAllowed === 0) setDisruptionAllowedFalse(nextStatus, now);
  nextStatus.disruptedPods = { ...nextStatus.disruptedPods, [podName]: formatTimestamp(now) };
  return next;
}

/** pdbhelper.UpdateDisruptionAllowedCondition for a budget just spent: DisruptionAllowed=False, InsufficientPods. */
function setDisruptionAllowedFalse(status: NonNullable<PodDisruptionBudget['status']>, now: Date): void {
  const conditions = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === 'DisruptionAllowed');
  const condition = {
    type: 'DisruptionAllowed',
    status: 'False',
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    // Only a change of status moves the transition time.
    lastTransitionTime: existing?.status === 'False' ? existing.lastTransitionTime : formatTimestamp(now),
    reason: 'InsufficientPods',
    message: existing?.message ?? '',
  };
  status.conditions = existing ? conditions.map((c) => (c === existing ? condition : c)) : [...conditions, condition];
}

const DISRUPTION_TARGET = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };

/**
 * The pod with DisruptionTarget=True (EvictionByEvictionAPI), which tells its controller and the
 * kubelet the pod is going away by eviction; undefined when it already says so.
 */
export function withDisruptionTarget(pod: KubeObject, now: Date): KubeObject | undefined {
  const status = (pod.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
  const conditions = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === DISRUPTION_TARGET.type);
  if (
    existing &&
    existing.status === DISRUPTION_TARGET.status &&
    existing.reason === DISRUPTION_TARGET.reason &&
    existing.message === DISRUPTION_TARGET.message
  )
    return undefined;
  const condition = {
    ...DISRUPTION_TARGET,
    lastProbeTime: null,
    lastTransitionTime: existing?.status === DISRUPTION_TARGET.status ? existing.lastTransitionTime : formatTimestamp(now),
  };
  const next = existing ? conditions.map((c) => (c === existing ? condition : c)) : [...conditions, condition];
  return { ...pod, status: { ...status, conditions: next } };
}

/**
 * The eviction's DeleteOptions preconditions against the latest pod, checked before the condition
 * is written (so a stale request changes nothing), in upstream's words for that step.
 */
export function checkEvictionPreconditions(pod: KubeObject, pre: { uid?: string; resourceVersion?: string } | undefined): void {
  const name = pod.metadata.name ?? '';
  // GroupResource{Resource: "Pod"}: upstream names the kind here, not the resource.
  const podKind = { group: '', resource: 'Pod' };
  if (pre?.uid && pre.uid !== pod.metadata.uid) {
    throw errors.conflict(
      podKind,
      name,
      `the UID in the precondition (${pre.uid}) does not match the UID in record (${pod.metadata.uid ?? ''}). The object might have been deleted and then recreated`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
    throw errors.conflict(
      podKind,
      name,
      `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion ?? ''}). The object might have been modified`,
    );
  }
}

/**
 * pods/eviction (policy/v1 Eviction): deletes a pod when every PodDisruptionBudget covering it
 * allows a disruption (201), else 429 TooManyRequests, as pkg/registry/core/pod/storage/eviction.go.
 *
 * The order matters and is upstream's: the budget is spent (status.disruptionsAllowed - 1, the pod
 * in status.disruptedPods) with a compare-and-swap before the pod is touched, so two evictions
 * racing for the last disruption cannot both win; only then does the pod get DisruptionTarget=True
 * and its (graceful) delete. A refused eviction changes nothing.
 */
import { findResourceByKind, type Pod, type PodDisruptionBudget } from '@skiff/api';
import { ApiError, buildStatus } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import { runMutatingAdmission, runValidatingAdmission } from './admission/admission.ts';
import { admissionPlugins } from './admission/plugins.ts';
import type { RegistryContext } from './context.ts';
import { deleteOne } from './delete.ts';
import {
  budgetStillProcessing,
  budgetsCovering,
  canIgnoreBudget,
  checkAndDecrement,
  checkEvictionPreconditions,
  moreThanOneBudget,
  shouldEnforceResourceVersion,
  unhealthyPodMayGo,
  withDisruptionTarget,
} from './eviction-budget.ts';
import { decodeEvictionRequest } from './eviction-request.ts';
import type { DeleteOptions, WriteOptions, WriteResult } from './handlers.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const BUDGETS = findResourceByKind('policy/v1', 'PodDisruptionBudget')!;

/** Upstream's EvictionsRetry: 20 tries 500 ms apart (+10% jitter) while other writers conflict with ours. */
const RETRY_STEPS = 20;
const RETRY_DELAY_MS = 500;

export async function createEviction(
  ctx: RegistryContext,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const { eviction, deleteOptions } = decodeEvictionRequest(body, namespace, name, opts);
  const attrs = {
    res: PODS,
    subresource: 'eviction',
    operation: 'CREATE' as const,
    namespace,
    name,
    object: eviction,
    user: opts.user,
    dryRun: Boolean(deleteOptions.dryRun),
  };
  await runMutatingAdmission(ctx, admissionPlugins, attrs);
  await runValidatingAdmission(ctx, admissionPlugins, attrs);

  // Step 1: a pod no budget guards (finished, Pending, already deleting) goes at once.
  const pod = await deleteIfNoBudgetNeeded(ctx, namespace, name, deleteOptions);
  if (!pod) return evicted();

  // Step 2: the one budget covering the pod must have a disruption to spend.
  const budgets = budgetsCovering((await ctx.store.list(BUDGETS, namespace)).items as PodDisruptionBudget[], pod);
  if (budgets.length > 1) throw moreThanOneBudget();
  const budget = budgets[0];
  // An unready pod the budget can spare costs no disruption, but it must still be unready when deleted:
  // pinning the resourceVersion we judged makes a pod that turned Ready meanwhile a conflict.
  const spareUnready = budget !== undefined && unhealthyPodMayGo(budget, pod);
  if (budget && !spareUnready) await spendDisruption(ctx, budget, name, Boolean(deleteOptions.dryRun));

  // Step 3: mark the pod and delete it with the caller's options.
  const options = spareUnready ? withResourceVersion(deleteOptions, pod.metadata?.resourceVersion) : deleteOptions;
  try {
    await markAndDelete(ctx, namespace, name, options);
  } catch (err) {
    // Our own pin lost the race (not the caller's): answer 429 so clients such as drain retry.
    if (spareUnready && isConflict(err) && !deleteOptions.preconditions?.resourceVersion) throw budgetStillProcessing(budget.metadata?.name ?? '');
    throw err;
  }
  return evicted();
}

/** The Success Status upstream answers, with the create's 201 as its code. */
function evicted(): WriteResult {
  return { object: buildStatus({ status: 'Success', code: 201 }) as unknown as KubeObject, created: true };
}

/** Deletes the pod when no budget needs asking and answers undefined; else answers the pod to check budgets for. */
async function deleteIfNoBudgetNeeded(ctx: RegistryContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<Pod | undefined> {
  // The caller's own resourceVersion precondition is final: a conflict is its answer, not ours to retry.
  const retry = !options.preconditions?.resourceVersion;
  for (let attempt = 1; ; attempt++) {
    const pod = (await ctx.store.get(PODS, namespace, name)) as Pod;
    if (!canIgnoreBudget(pod)) return pod;
    const pinned = retry && shouldEnforceResourceVersion(pod) ? withResourceVersion(options, pod.metadata?.resourceVersion) : options;
    try {
      await markAndDelete(ctx, namespace, name, pinned);
      return undefined;
    } catch (err) {
      if (!retry || !isConflict(err) || attempt >= RETRY_STEPS) throw err;
      await pause();
    }
  }
}

/** Spends one disruption of the budget with a compare-and-swap, re-reading it after a conflict. */
async function spendDisruption(ctx: RegistryContext, budget: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
  let current = budget;
  for (let attempt = 1; ; attempt++) {
    const next = checkAndDecrement(current, podName, ctx.now(), dryRun);
    if (dryRun) return;
    try {
      await ctx.store.update(BUDGETS, next as KubeObject, { resourceVersion: current.metadata?.resourceVersion });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= RETRY_STEPS) throw err;
      await pause();
      current = (await ctx.store.get(BUDGETS, budget.metadata?.namespace, budget.metadata?.name ?? '')) as PodDisruptionBudget;
    }
  }
}

/**
 * addConditionAndDeletePod: DisruptionTarget=True on the latest pod (the preconditions checked
 * against it first), then the delete, whose grace period and preconditions are delete.ts's. The
 * delete runs without the DELETE admission chain, as upstream's eviction deletes through its store.
 */
async function markAndDelete(ctx: RegistryContext, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
  let deleteOptions = options;
  if (!options.dryRun) {
    const now = ctx.now();
    const marked = await ctx.store.guaranteedUpdate(PODS, namespace, name, (latest) => {
      checkEvictionPreconditions(latest, options.preconditions);
      return withDisruptionTarget(latest, now);
    });
    // Our condition write moved the resourceVersion that was pinned (and just checked).
    if (options.preconditions?.resourceVersion) deleteOptions = withResourceVersion(options, marked.metadata.resourceVersion);
  }
  await deleteOne(ctx, PODS, namespace, name, deleteOptions);
}

function withResourceVersion(options: DeleteOptions, resourceVersion: string | undefined): DeleteOptions {
  return { ...options, preconditions: { ...options.preconditions, ...(resourceVersion ? { resourceVersion } : {}) } };
}

function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (1 + Math.random() * 0.1)));
}

/**
 * DELETE with Kubernetes' rules: preconditions; finalizers (and the GC's orphan /
 * foregroundDeletion ones for a propagation policy) turn a delete into a mark
 * (deletionTimestamp) that the last finalizer's removal completes; bound pods get a grace
 * period the kubelet ends with a grace-0 delete; namespaces go Terminating until their
 * finalizers are gone.
 */
import type { ResourceInfo } from '@skiff/api';
import { ApiError, buildStatus, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { DeleteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { formatTimestamp, qualifiedOf, withTypeMeta } from './object-helpers.ts';
import { allocationsOf, releaseAllocations } from './service-allocation.ts';
import { runValidatingAdmission } from './admission/admission.ts';
import { admissionPlugins } from './admission/plugins.ts';

export type DeletionPlan =
  | { action: 'remove' }
  /** Write this marked object and keep it. */
  | { action: 'mark'; object: KubeObject }
  /** Already marked as asked: answer the object as it is. */
  | { action: 'keep' };

const DEFAULT_POD_GRACE_SECONDS = 30;

/** Pure decision of what a delete does to `current` (a private copy it may change). */
export function planDeletion(res: ResourceInfo, current: KubeObject, opts: DeleteOptions, now: Date): DeletionPlan {
  const meta = current.metadata;
  const before = JSON.stringify(meta);
  const finalizers = applyPropagationPolicy(meta.finalizers ?? [], opts.propagationPolicy);
  if (finalizers.length > 0 || meta.finalizers) meta.finalizers = finalizers;
  if (meta.finalizers?.length === 0) delete meta.finalizers;

  if (res.group === '' && res.resource === 'namespaces') {
    const specFinalizers = (current.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (specFinalizers.length === 0 && finalizers.length === 0) return { action: 'remove' };
    const statusBefore = JSON.stringify(current.status);
    meta.deletionTimestamp ??= formatTimestamp(now);
    current.status = { ...(current.status as object | undefined), phase: 'Terminating' };
    const changed = wasChanged(before, meta) || JSON.stringify(current.status) !== statusBefore;
    return changed ? { action: 'mark', object: current } : { action: 'keep' };
  }

  let grace = 0;
  if (res.group === '' && res.resource === 'pods') grace = podGracePeriod(current, opts);
  const firstMark = !meta.deletionTimestamp;
  if (grace > 0) {
    // A later delete may only shorten the grace period, never extend it.
    if (!firstMark && meta.deletionGracePeriodSeconds !== undefined && grace >= meta.deletionGracePeriodSeconds) {
      return wasChanged(before, meta) ? { action: 'mark', object: current } : { action: 'keep' };
    }
    meta.deletionTimestamp = formatTimestamp(new Date(now.getTime() + grace * 1000));
    meta.deletionGracePeriodSeconds = grace;
  } else if (finalizers.length > 0) {
    meta.deletionTimestamp ??= formatTimestamp(now);
    meta.deletionGracePeriodSeconds = 0;
  } else {
    return { action: 'remove' };
  }
  if (firstMark && (meta.generation ?? 0) > 0) meta.generation = (meta.generation ?? 0) + 1;
  return wasChanged(before, meta) ? { action: 'mark', object: current } : { action: 'keep' };
}

function wasChanged(before: string, meta: object): boolean {
  return JSON.stringify(meta) !== before;
}

/** Orphan / Foreground become the garbage collector's finalizers; Background clears both. */
function applyPropagationPolicy(finalizers: string[], policy: DeleteOptions['propagationPolicy']): string[] {
  if (!policy) return [...finalizers];
  const rest = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
  if (policy === 'Orphan') return [...rest, 'orphan'];
  if (policy === 'Foreground') return [...rest, 'foregroundDeletion'];
  return rest;
}

/** DeleteOptions' grace, else the pod's, else 30 s; 0 for a pod no kubelet runs (unbound or finished). */
function podGracePeriod(pod: KubeObject, opts: DeleteOptions): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
  // As Kubernetes: a negative grace means "as soon as possible", which is 1 s for a running pod.
  return grace < 0 ? 1 : grace;
}

function checkPreconditions(res: ResourceInfo, current: KubeObject, pre: DeleteOptions['preconditions']): void {
  const name = current.metadata.name ?? '';
  if (pre?.uid && pre.uid !== current.metadata.uid) {
    throw errors.conflict(qualifiedOf(res), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw errors.conflict(
      qualifiedOf(res),
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
    );
  }
}

/** The Status a finished delete answers, as Kubernetes' generic store writes it. */
export function deletedStatus(res: ResourceInfo, obj: KubeObject): KubeObject {
  const details = { name: obj.metadata.name, group: res.group, kind: res.resource, uid: obj.metadata.uid };
  return buildStatus({ status: 'Success', details }) as unknown as KubeObject;
}

export interface DeleteOutcome {
  object: KubeObject;
  removed: boolean;
}

const CAS_ATTEMPTS = 5;

/** Deletes or marks one object, retrying when it changed between read and write. */
/** Kubernetes' NamespaceLifecycle admission keeps these: the cluster's own workloads live there. */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export async function deleteOne(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions,
): Promise<DeleteOutcome> {
  if (res.group === '' && res.resource === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) {
    throw errors.forbidden(qualifiedOf(res), name, 'this namespace may not be deleted');
  }
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.store.get(res, namespace, name);
    checkPreconditions(res, current, opts.preconditions);
    if (opts.user) {
      await runValidatingAdmission(ctx, admissionPlugins, {
        res,
        subresource: '',
        operation: 'DELETE',
        namespace,
        name,
        oldObject: current,
        user: opts.user,
        dryRun: Boolean(opts.dryRun),
      });
    }
    const plan = planDeletion(res, structuredClone(current), opts, ctx.now());
    try {
      if (plan.action === 'keep') return { object: current, removed: false };
      if (plan.action === 'mark') {
        const object = opts.dryRun ? plan.object : await ctx.store.update(res, plan.object, { resourceVersion: current.metadata.resourceVersion });
        return { object, removed: false };
      }
      if (opts.dryRun) return { object: current, removed: true };
      return { object: await removeNow(ctx, res, current), removed: true };
    } catch (err) {
      const raced = err instanceof ApiError && (err.reason === 'Conflict' || err.code === 404);
      if (!raced || attempt >= CAS_ATTEMPTS) throw err;
    }
  }
}

/** Removes the stored object if it is still the version given; releases what a Service held. */
export async function removeNow(ctx: RegistryContext, res: ResourceInfo, obj: KubeObject): Promise<KubeObject> {
  const last = await ctx.store.delete(res, obj.metadata.namespace, obj.metadata.name ?? '', {
    resourceVersion: obj.metadata.resourceVersion,
    uid: obj.metadata.uid,
  });
  if (res.group === '' && res.resource === 'services') await releaseAllocations(ctx, allocationsOf(last));
  return last;
}

export async function deleteObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions,
): Promise<WriteResult> {
  const outcome = await deleteOne(ctx, res, namespace, name, opts);
  if (res.group === '' && res.resource === 'namespaces' && !opts.dryRun) ctx.namespaces.noteWrite(name, outcome.object.metadata.resourceVersion);
  if (outcome.removed) return { object: deletedStatus(res, outcome.object) };
  return { object: withTypeMeta(res, outcome.object), pending: true };
}

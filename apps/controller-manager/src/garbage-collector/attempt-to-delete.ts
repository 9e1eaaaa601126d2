import type { OwnerReference, ResourceInfo } from '@skiff/api';
import { isConflict, isNotFound, type KubeObject, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type DependencyGraph, type GraphNode } from './dependency-graph.ts';
import { describe, getLiveObject, removeFinalizer, removeOwnerReferences, type GcClient, type KindResolver } from './object-access.ts';

export interface GcDeps {
  client: GcClient;
  graph: DependencyGraph;
  resolve: KindResolver;
  /** Puts a uid (back) on the attempt-to-delete queue. */
  enqueueDelete: (uid: string) => void;
  logger: Logger;
}

/** How a dependent's owner references stand, as Kubernetes' classifyReferences sorts them. */
export interface OwnerClassification {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waitingForDependentsDeletion: OwnerReference[];
}

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/**
 * How soon a dependent whose owner was found standing only by a live read is looked at
 * again. Its owner's kind is not watched yet (a CRD established a moment ago, discovery
 * lagging), so no delete event would tell the collector when the owner goes; upstream
 * requeues such a virtual owner until an informer observes it (kubernetes#56121).
 */
export const UNOBSERVED_OWNER_RECHECK_MS = 2_000;

/** What to do with a dependent once its owners are classified (pure; the heart of the GC). */
export type DeleteDecision =
  | { action: 'none' }
  | { action: 'removeReferences'; ownerUids: string[] }
  | { action: 'delete'; propagation: Propagation; reason: string };

export function decideDeletion(owners: OwnerClassification, finalizers: readonly string[], hasDependents: boolean): DeleteDecision {
  const { solid, dangling, waitingForDependentsDeletion: waiting } = owners;
  if (solid.length > 0) {
    // Still owned: only cut the references that hold nothing (gone) or hold an owner back.
    const cut = [...dangling, ...waiting].map((ref) => ref.uid);
    return cut.length > 0 ? { action: 'removeReferences', ownerUids: cut } : { action: 'none' };
  }
  if (waiting.length > 0 && hasDependents) {
    // The owner waits for us; we wait for ours: the foreground chain continues downwards.
    return { action: 'delete', propagation: 'Foreground', reason: `owner ${names(waiting)} is deleting its dependents in the foreground` };
  }
  const reason = waiting.length > 0 ? `owner ${names(waiting)} is deleting its dependents in the foreground` : `every owner is gone (${names(dangling)})`;
  // An object already marked for a policy keeps it; otherwise as kubectl's default.
  const propagation: Propagation = finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
  return { action: 'delete', propagation, reason };
}

function names(refs: OwnerReference[]): string {
  return refs.map((ref) => `${ref.kind}/${ref.name}`).join(', ');
}

/**
 * One pass of the attempt-to-delete worker for the object with `uid`, as Kubernetes'
 * attemptToDeleteItem: an owner deleting in the foreground finishes or nudges its
 * blocking dependents; a dependent is deleted when none of its owners stands, or loses
 * the references that no longer hold. Nothing is deleted on the graph's word alone:
 * the dependent and every owner the graph does not know are read live first.
 */
export async function attemptToDelete(deps: GcDeps, uid: string): Promise<SyncResult> {
  const node = deps.graph.get(uid);
  if (!node) return;
  if (node.deletingDependents) return processDeletingDependents(deps, node);
  if (node.beingDeleted || node.owners.length === 0) return;
  // Fast path: every owner observed and standing; no API call needed.
  if (node.owners.every((ref) => deps.graph.ownerState(ref, node) === 'solid')) return;

  const res = await deps.resolve(node.identity.apiVersion, node.identity.kind);
  if (!res) return;
  const latest = await getLiveObject(deps.client, res, node.identity);
  // Gone or replaced: its delete event will tidy the graph.
  if (!latest) return;
  const meta = latest.metadata ?? {};
  const finalizers = meta.finalizers ?? [];
  if (meta.deletionTimestamp && !finalizers.includes(FOREGROUND_FINALIZER)) return;
  const refs = meta.ownerReferences ?? [];
  if (refs.length === 0) return;

  const owners = await classifyOwners(deps, latest, refs);
  const decision = decideDeletion(owners, finalizers, deps.graph.dependentsOf(uid).length > 0);
  const what = describe(node.identity);
  const recheck = owners.standingUnobserved ? { requeueAfter: UNOBSERVED_OWNER_RECHECK_MS } : undefined;
  if (decision.action === 'none') return recheck;
  if (decision.action === 'removeReferences') {
    if (await removeOwnerReferences(deps.client, res, node.identity, decision.ownerUids)) {
      deps.logger.info({ object: what, ownerUids: decision.ownerUids }, 'removed dangling or blocking owner references');
    }
    return recheck;
  }
  try {
    await deps.client.delete(res, res.namespaced ? node.identity.namespace : undefined, node.identity.name, {
      propagationPolicy: decision.propagation,
      preconditions: { uid },
    });
    deps.logger.info({ object: what, propagationPolicy: decision.propagation, reason: decision.reason }, 'garbage collector deleted object');
  } catch (err) {
    // Gone already, or another incarnation now holds the name: nothing of ours to delete.
    if (isNotFound(err) || isConflict(err)) return;
    throw err;
  }
}

/**
 * Sorts `refs` of the live `dependent`, reading live every owner the graph has not
 * observed; `standingUnobserved` says one of those stood (its kind served but not watched yet).
 */
export async function classifyOwners(
  deps: GcDeps,
  dependent: KubeObject,
  refs: readonly OwnerReference[],
): Promise<OwnerClassification & { standingUnobserved: boolean }> {
  const out = {
    solid: [] as OwnerReference[],
    dangling: [] as OwnerReference[],
    waitingForDependentsDeletion: [] as OwnerReference[],
    standingUnobserved: false,
  };
  const node = deps.graph.get(dependent.metadata?.uid ?? '');
  for (const ref of refs) {
    const known = node ? deps.graph.ownerState(ref, node) : 'unknown';
    const state = known !== 'unknown' ? known : await readOwnerState(deps, dependent, ref);
    if (state === 'solid' || state === 'unserved') out.solid.push(ref);
    else if (state === 'waiting') out.waitingForDependentsDeletion.push(ref);
    else out.dangling.push(ref);
    if (known === 'unknown' && state === 'solid') out.standingUnobserved = true;
  }
  return out;
}

/** A live GET of the owner by name where the dependent may reference it, then a uid check. */
async function readOwnerState(deps: GcDeps, dependent: KubeObject, ref: OwnerReference): Promise<'solid' | 'waiting' | 'dangling' | 'unserved'> {
  const res: ResourceInfo | undefined = await deps.resolve(ref.apiVersion, ref.kind);
  if (!res) {
    // A kind we do not serve cannot be proven absent: keep the dependent, as kube does
    // until discovery knows the kind.
    deps.logger.warn(
      { dependent: dependent.metadata?.name, owner: `${ref.apiVersion}/${ref.kind}` },
      'owner reference to an unknown kind; leaving the dependent alone',
    );
    return 'unserved';
  }
  const namespace = dependent.metadata?.namespace;
  // A cluster-scoped object cannot be owned by a namespaced one.
  if (res.namespaced && !namespace) return 'dangling';
  const owner = await getLiveObject(deps.client, res, { namespace, name: ref.name, uid: ref.uid });
  if (!owner) return 'dangling';
  const meta = owner.metadata ?? {};
  return meta.deletionTimestamp && (meta.finalizers ?? []).includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
}

/**
 * An owner in foreground deletion: while dependents with blockOwnerDeletion remain it
 * makes sure each is being deleted; once none remain it drops its finalizer and the
 * apiserver removes it.
 */
async function processDeletingDependents(deps: GcDeps, owner: GraphNode): Promise<void> {
  const blocking = deps.graph.blockingDependentsOf(owner.identity.uid);
  if (blocking.length === 0) {
    const res = await deps.resolve(owner.identity.apiVersion, owner.identity.kind);
    if (res && (await removeFinalizer(deps.client, res, owner.identity, FOREGROUND_FINALIZER))) {
      deps.logger.info({ object: describe(owner.identity) }, 'foreground deletion: no blocking dependents remain; removed finalizer');
    }
    return;
  }
  for (const dep of blocking) {
    if (!dep.beingDeleted) deps.enqueueDelete(dep.identity.uid);
  }
}

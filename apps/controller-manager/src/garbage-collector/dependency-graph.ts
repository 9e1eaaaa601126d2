import type { OwnerReference } from '@skiff/api';
import type { KubeObject } from '@skiff/client';

/** Enough to find an object again with a GET: its type, where it lives, and which incarnation. */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
}

/** What the collector remembers of one observed object (metadata only). */
export interface GraphNode {
  identity: ObjectIdentity;
  owners: readonly OwnerReference[];
  resourceVersion?: string;
  /** deletionTimestamp is set. */
  beingDeleted: boolean;
  /** Being deleted with the `foregroundDeletion` finalizer: it waits for its blocking dependents. */
  deletingDependents: boolean;
  /** Being deleted with the `orphan` finalizer: its dependents must lose their reference to it first. */
  orphaning: boolean;
}

/** Which uids an observed change puts on the collector's two queues. */
export interface GraphChanges {
  attemptToDelete: string[];
  attemptToOrphan: string[];
}

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export function nodeFromObject(obj: KubeObject): GraphNode | undefined {
  const meta = obj.metadata;
  if (!meta?.uid || !meta.name) return undefined;
  const finalizers = meta.finalizers ?? [];
  const beingDeleted = Boolean(meta.deletionTimestamp);
  return {
    identity: { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', namespace: meta.namespace || undefined, name: meta.name, uid: meta.uid },
    owners: meta.ownerReferences ?? [],
    resourceVersion: meta.resourceVersion,
    beingDeleted,
    deletingDependents: beingDeleted && finalizers.includes(FOREGROUND_FINALIZER),
    orphaning: beingDeleted && finalizers.includes(ORPHAN_FINALIZER),
  };
}

/**
 * The garbage collector's view of ownership, as Kubernetes' GraphBuilder keeps it: every
 * observed object by uid, and for every owner uid the uids of the objects that name it
 * (whether or not the owner itself was ever observed — a dangling reference is exactly
 * an owner uid with dependents but no node). Pure and synchronous: informer handlers
 * feed it and enqueue what it answers; workers read it.
 */
export class DependencyGraph {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.#nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  /** Observed objects that carry an ownerReference to `ownerUid`. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const uid of this.#dependents.get(ownerUid) ?? []) {
      const node = this.#nodes.get(uid);
      if (node) out.push(node);
    }
    return out;
  }

  /** Dependents whose reference to `ownerUid` has blockOwnerDeletion: a foreground delete waits for them. */
  blockingDependentsOf(ownerUid: string): GraphNode[] {
    return this.dependentsOf(ownerUid).filter((dep) => dep.owners.some((ref) => ref.uid === ownerUid && ref.blockOwnerDeletion === true));
  }

  /** An add or update event. */
  observe(obj: KubeObject): GraphChanges {
    const changes = newChanges();
    const node = nodeFromObject(obj);
    if (!node) return changes;
    const uid = node.identity.uid;
    const old = this.#nodes.get(uid);
    this.#nodes.set(uid, node);
    this.#relinkOwners(uid, old?.owners ?? [], node.owners);

    // An owner that waits for its dependents may be unblocked when a dependent drops or
    // unblocks its reference.
    for (const oldRef of old?.owners ?? []) {
      const owner = this.#nodes.get(oldRef.uid);
      if (!owner?.deletingDependents || oldRef.blockOwnerDeletion !== true) continue;
      const now = node.owners.find((ref) => ref.uid === oldRef.uid);
      if (now?.blockOwnerDeletion !== true) changes.attemptToDelete.push(owner.identity.uid);
    }
    // A dependent whose owner is unknown (maybe gone, maybe recreated with another uid) or
    // is deleting in the foreground needs a look: the worker verifies before it acts.
    if (node.owners.some((ref) => this.ownerState(ref, node) !== 'solid')) {
      changes.attemptToDelete.push(uid);
    }
    if (node.deletingDependents) {
      changes.attemptToDelete.push(uid);
      // On the transition into foreground deletion every dependent is deleted (only the
      // blocking ones hold the owner back).
      if (!old?.deletingDependents) for (const dep of this.dependentsOf(uid)) changes.attemptToDelete.push(dep.identity.uid);
    }
    if (node.orphaning) changes.attemptToOrphan.push(uid);
    return unique(changes);
  }

  /** A delete event: its dependents may now be garbage, and an owner waiting for it may finish. */
  remove(obj: KubeObject): GraphChanges {
    const changes = newChanges();
    const uid = obj.metadata?.uid;
    if (!uid) return changes;
    const node = this.#nodes.get(uid);
    if (!node) return changes;
    this.#nodes.delete(uid);
    this.#relinkOwners(uid, node.owners, []);
    for (const ref of node.owners) {
      if (this.#nodes.get(ref.uid)?.deletingDependents) changes.attemptToDelete.push(ref.uid);
    }
    for (const dep of this.dependentsOf(uid)) changes.attemptToDelete.push(dep.identity.uid);
    return unique(changes);
  }

  /**
   * What the graph knows of the owner `ref` names: 'solid' (observed with that uid, in a
   * place it may live — a namespaced owner must share the dependent's namespace, as
   * Kubernetes treats a reference across namespaces as dangling), 'waiting' (observed and
   * deleting in the foreground), or 'unknown' (only a live GET can tell absent from slow).
   */
  ownerState(ref: OwnerReference, dependent: GraphNode): 'solid' | 'waiting' | 'unknown' {
    const owner = this.#nodes.get(ref.uid);
    if (!owner) return 'unknown';
    if (owner.identity.namespace !== undefined && owner.identity.namespace !== dependent.identity.namespace) return 'unknown';
    return owner.deletingDependents ? 'waiting' : 'solid';
  }

  #relinkOwners(uid: string, before: readonly OwnerReference[], after: readonly OwnerReference[]): void {
    const keep = new Set(after.map((ref) => ref.uid));
    for (const ref of before) {
      if (keep.has(ref.uid)) continue;
      const set = this.#dependents.get(ref.uid);
      set?.delete(uid);
      if (set?.size === 0) this.#dependents.delete(ref.uid);
    }
    for (const ref of after) {
      let set = this.#dependents.get(ref.uid);
      if (!set) this.#dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
  }
}

function newChanges(): GraphChanges {
  return { attemptToDelete: [], attemptToOrphan: [] };
}

function unique(changes: GraphChanges): GraphChanges {
  return { attemptToDelete: [...new Set(changes.attemptToDelete)], attemptToOrphan: [...new Set(changes.attemptToOrphan)] };
}

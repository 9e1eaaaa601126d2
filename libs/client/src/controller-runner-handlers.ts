import type { OwnerReference } from '@skiff/api';
import type { EventMapper } from './controller-runner.ts';
import { objectKey } from './informer-cache.ts';
import type { KubeObject } from './rest-client.ts';

/**
 * The mappers most watches need, as controller-runtime's handler package has them:
 * an object's own key, and an owned object's owner key (EnqueueRequestForOwner).
 */

export interface EnqueueObjectOptions<T> {
  /** Default objectKey ('ns/name', or 'name' when cluster-scoped). */
  keyOf?: (obj: T) => string | undefined;
  /**
   * Also queue updates whose resourceVersion did not move, i.e. an informer's periodic
   * resync, for a controller that wants its resync to re-run every key (kube's deployment
   * controller does). Default: skip them, nothing changed.
   */
  resyncs?: boolean;
}

/** An object's events queue its own key. */
export function enqueueObject<T extends KubeObject>(opts: EnqueueObjectOptions<T> = {}): EventMapper<T> {
  const keyOf = opts.keyOf ?? objectKey;
  return {
    add: (obj) => keyOf(obj),
    update: (oldObj, obj) => (!opts.resyncs && oldObj.metadata?.resourceVersion === obj.metadata?.resourceVersion ? undefined : keyOf(obj)),
    delete: (obj) => keyOf(obj),
  };
}

/** The ownerReference with `controller: true`, if any (an object has at most one). */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** The read side of a cache (an Informer, or an InformerCache in tests), client-go's lister. */
export interface Lister<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
}

/** The object's controller of kind `kind`, if the cache holds it and it is the same object (UID, not just name). */
export function resolveControllerRef<O extends KubeObject>(obj: KubeObject, kind: string, owners: Pick<Lister<O>, 'get'>): O | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const owner = owners.get(obj.metadata?.namespace, ref.name);
  return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
}

/** What the mapper asks of an owner's selector (libs/api's Selector fits). */
export interface LabelMatcher {
  empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

export interface EnqueueOwnerOptions<T extends KubeObject, O extends KubeObject> {
  /** The kind a controllerRef must name: 'Deployment', 'ReplicaSet', ... */
  ownerKind: string;
  owners: Lister<O>;
  /** The owner's selector; orphans go to every owner whose non-empty selector matches (it may adopt them). Throwing selects nothing. */
  selectorOf(owner: O): LabelMatcher;
  /** `obj` appeared under `ownerKey` (expectations note it here). */
  observedCreation?(ownerKey: string, obj: T): void;
  /** `obj` is gone, or going, from `ownerKey`. */
  observedDeletion?(ownerKey: string, obj: T): void;
  /**
   * An update that marks the object for deletion counts as its deletion: a ReplicaSet
   * replaces a terminating pod now, not when its kubelet is done.
   */
  terminatingIsDeleted?: boolean;
}

/**
 * Owned objects' events queue their controller's key: the owner named by the object's
 * controllerRef, if it is of `ownerKind` and still the same object (UID, not just name);
 * an orphan queues every owner that selects it; a controllerRef that moved queues the old
 * owner too. An object seen first already terminating is a deletion. The deployment
 * controller uses it for ReplicaSets, the replicaset controller for pods.
 */
export function enqueueOwner<T extends KubeObject, O extends KubeObject>(opts: EnqueueOwnerOptions<T, O>): EventMapper<T> {
  const ownerOf = (obj: T): O | undefined => resolveControllerRef(obj, opts.ownerKind, opts.owners);
  const ownersSelecting = (obj: T): string[] =>
    opts.owners
      .list(obj.metadata?.namespace ?? '')
      .filter((owner) => {
        try {
          const selector = opts.selectorOf(owner);
          return !selector.empty && selector.matches(obj.metadata?.labels ?? {});
        } catch {
          return false;
        }
      })
      .map(objectKey);
  const deleted = (obj: T): string[] => {
    const owner = ownerOf(obj);
    if (!owner) return [];
    const key = objectKey(owner);
    opts.observedDeletion?.(key, obj);
    return [key];
  };
  return {
    add(obj) {
      if (obj.metadata?.deletionTimestamp) return deleted(obj);
      const owner = ownerOf(obj);
      if (owner) {
        const key = objectKey(owner);
        opts.observedCreation?.(key, obj);
        return key;
      }
      return controllerRefOf(obj) ? undefined : ownersSelecting(obj);
    },
    update(oldObj, obj) {
      if (oldObj.metadata?.resourceVersion === obj.metadata?.resourceVersion) return undefined;
      const labelsChanged = !sameLabels(oldObj.metadata?.labels, obj.metadata?.labels);
      if (opts.terminatingIsDeleted && obj.metadata?.deletionTimestamp) {
        return labelsChanged ? [...deleted(obj), ...deleted(oldObj)] : deleted(obj);
      }
      const oldRef = controllerRefOf(oldObj);
      const ref = controllerRefOf(obj);
      const refChanged = oldRef?.uid !== ref?.uid;
      const keys: string[] = [];
      const previous = refChanged && oldRef ? ownerOf(oldObj) : undefined;
      if (previous) keys.push(objectKey(previous));
      if (ref) {
        const owner = ownerOf(obj);
        return owner ? [...keys, objectKey(owner)] : keys;
      }
      return labelsChanged || refChanged ? [...keys, ...ownersSelecting(obj)] : keys;
    },
    delete: deleted,
  };
}

export function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const entries = Object.entries(a ?? {});
  if (entries.length !== Object.keys(b ?? {}).length) return false;
  return entries.every(([k, v]) => b?.[k] === v);
}

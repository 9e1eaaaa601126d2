import type { OwnerReference } from '@skiff/api';
import { controllerRefOf, isNotFound, type KubeObject } from '@skiff/client';

export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
}

/** The ownerReference with `controller: true`, if any (an object has at most one). */
export const getControllerOf = controllerRefOf;

/**
 * The reference a controller stamps on what it creates or adopts. blockOwnerDeletion makes
 * a foreground deletion of the owner wait for the dependant.
 */
export function newControllerRef(owner: KubeObject, gvk: GroupVersionKind): OwnerReference {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimObjectsOptions<T extends KubeObject> {
  owner: KubeObject;
  gvk: GroupVersionKind;
  /** The owner's selector (and any other condition for being one of its objects). */
  matches: (obj: T) => boolean;
  candidates: readonly T[];
  adopt: (obj: T) => Promise<void>;
  release: (obj: T) => Promise<void>;
  /**
   * Asked once, before the first adoption: answers false (or throws) when the owner must
   * not adopt, typically after a live GET shows it is being deleted or was replaced. The
   * cache may lag, so kube rechecks against the server before touching orphans.
   */
  canAdopt?: () => Promise<boolean>;
}

/**
 * Kubernetes' ControllerRefManager: sorts candidates into what the owner controls.
 * - owned by us and matching: kept (even while the owner is being deleted: that costs nothing);
 * - owned by us, no longer matching: released (not while the owner is being deleted);
 * - orphan and matching: adopted, unless the owner or the orphan is being deleted, or
 *   they live in different namespaces;
 * - controlled by another owner: ignored.
 * A NotFound while adopting or releasing means the object is gone: not an error. Other
 * errors are collected; the claim still finishes, then throws them (the caller retries).
 */
export async function claimObjects<T extends KubeObject>(opts: ClaimObjectsOptions<T>): Promise<T[]> {
  const ownerUid = opts.owner.metadata?.uid;
  const ownerDeleting = Boolean(opts.owner.metadata?.deletionTimestamp);
  const ownerNamespace = opts.owner.metadata?.namespace;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<boolean> | undefined;

  for (const obj of opts.candidates) {
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (opts.matches(obj)) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      await tolerateNotFound(() => opts.release(obj), errors);
      continue;
    }
    if (ownerDeleting || !opts.matches(obj)) continue;
    if (obj.metadata?.deletionTimestamp) continue;
    if (ownerNamespace && obj.metadata?.namespace !== ownerNamespace) continue;
    adoptable ??= opts.canAdopt ? opts.canAdopt() : Promise.resolve(true);
    let allowed: boolean;
    try {
      allowed = await adoptable;
    } catch (err) {
      errors.push(err);
      continue;
    }
    if (!allowed) continue;
    if (await tolerateNotFound(() => opts.adopt(obj), errors)) claimed.push(obj);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(
      errors,
      `claiming objects for ${opts.gvk.kind} ${ownerNamespace ? ownerNamespace + '/' : ''}${opts.owner.metadata?.name}: ${errors.length} errors`,
    );
  return claimed;
}

/** Runs `fn`; true when it succeeded, false when the object was gone or another error (recorded). */
async function tolerateNotFound(fn: () => Promise<void>, errors: unknown[]): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (!isNotFound(err)) errors.push(err);
    return false;
  }
}

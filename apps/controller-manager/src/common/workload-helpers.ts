/**
 * What the statefulset and daemonset controllers do alike with the objects they own:
 * claim them (strategic-merge ownerReference patches, as upstream's ref managers send),
 * recheck the owner before adopting, write status, and come back when minReadySeconds
 * makes a ready pod available.
 */
import type { Pod, ResourceInfo } from '@skiff/api';
import { isConflict, type KubeObject, type RestClient, type SyncResult } from '@skiff/client';
import { claimObjects, newControllerRef, type GroupVersionKind } from './controller-ref.ts';
import { podReadySince } from './pod-readiness.ts';

type Client = Pick<RestClient, 'get' | 'patch' | 'update'>;

export interface ClaimOwnedOptions<T extends KubeObject> {
  client: Client;
  owner: KubeObject;
  ownerResource: ResourceInfo;
  gvk: GroupVersionKind;
  resource: ResourceInfo;
  candidates: readonly T[];
  matches: (obj: T) => boolean;
}

/** claimObjects with upstream's adopt/release patches and a live recheck of the owner before adopting. */
export function claimOwned<T extends KubeObject>(opts: ClaimOwnedOptions<T>): Promise<T[]> {
  const { client, owner } = opts;
  const patchRefs = (obj: KubeObject, ownerReferences: unknown[]) =>
    client
      .patch(opts.resource, obj.metadata?.namespace, obj.metadata?.name ?? '', 'strategic', { metadata: { ownerReferences, uid: obj.metadata?.uid } })
      .then(() => undefined);
  return claimObjects<T>({
    owner,
    gvk: opts.gvk,
    candidates: opts.candidates,
    matches: opts.matches,
    canAdopt: async () => {
      // The cache may lag: only the live owner, not being deleted, adopts.
      const fresh = await client.get(opts.ownerResource, owner.metadata?.namespace, owner.metadata?.name ?? '');
      return fresh.metadata?.uid === owner.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    },
    adopt: (obj) => patchRefs(obj, [newControllerRef(owner, opts.gvk)]),
    release: (obj) => patchRefs(obj, [{ $patch: 'delete', uid: owner.metadata?.uid }]),
  });
}

/** PUT the status subresource when it changed; on a conflict, once more on the live object. */
export async function updateStatusIfChanged<T extends KubeObject & { status?: unknown }>(
  client: Client,
  resource: ResourceInfo,
  obj: T,
  status: T['status'],
): Promise<void> {
  if (JSON.stringify(obj.status ?? {}) === JSON.stringify(status ?? {})) return;
  try {
    await client.update<T>(resource, { ...obj, status }, { subresource: 'status' });
  } catch (err) {
    if (!isConflict(err)) throw err;
    const fresh = await client.get<T>(resource, obj.metadata?.namespace, obj.metadata?.name ?? '');
    if (fresh.metadata?.uid !== obj.metadata?.uid) return;
    await client.update<T>(resource, { ...fresh, status }, { subresource: 'status' });
  }
}

/** Milliseconds until the first ready pod that is not yet available (minReadySeconds) becomes so. */
export function nextAvailabilityCheckMs(pods: readonly Pod[], minReadySeconds: number, now: Date): number | undefined {
  if (!minReadySeconds) return undefined;
  let wait: number | undefined;
  for (const pod of pods) {
    const since = podReadySince(pod);
    if (!since) continue;
    const left = since.getTime() + minReadySeconds * 1000 - now.getTime();
    if (left >= 0 && (wait === undefined || left + 1000 < wait)) wait = left + 1000;
  }
  return wait;
}

/** A SyncResult that comes back after the smallest of the given waits, if any. */
export function requeueAfterSoonest(...waits: (number | undefined)[]): SyncResult {
  const defined = waits.filter((w): w is number => w !== undefined);
  return defined.length ? { requeueAfter: Math.min(...defined) } : undefined;
}

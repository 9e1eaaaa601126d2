import { qualifiedResource, type ResourceInfo } from '@skiff/api';
import { isNotFound, resourcePath, type KubeObject, type RestClient } from '@skiff/client';

/** The verbs the deleter uses: narrow, so tests hand it a recording fake. */
export type NamespaceClient = Pick<RestClient, 'list' | 'delete' | 'request'>;

export interface ContentRemaining {
  /** Objects still present per resource ('pods', 'deployments.apps', ...). */
  remaining: Record<string, number>;
  total: number;
  /** Objects held only by finalizers someone else must remove. */
  finalizersPending: string[];
}

/**
 * Namespaced kinds a namespace deletion empties: every discovered one (custom resources
 * included) that can be listed and deleted. events.k8s.io Events are the core Events under
 * another schema, so deleting the core ones covers both.
 */
export function deletableNamespacedResources(all: readonly ResourceInfo[]): ResourceInfo[] {
  return all.filter((res) => res.namespaced && res.group !== 'events.k8s.io' && res.verbs.includes('list') && res.verbs.includes('delete'));
}

/**
 * One pass of Kubernetes' namespaced-resources deleter: ask every kind's collection in
 * `namespace` to be deleted (background propagation, pods with their grace period —
 * their kubelet confirms), then list what is still there. Kinds are independent, so a
 * failure of one does not stop the others; the first error is thrown after the pass.
 */
export async function deleteNamespaceContent(client: NamespaceClient, namespace: string, kinds: readonly ResourceInfo[]): Promise<ContentRemaining> {
  const out: ContentRemaining = { remaining: {}, total: 0, finalizersPending: [] };
  const failures: unknown[] = [];
  await Promise.all(
    kinds.map(async (res) => {
      try {
        const left = await deleteCollectionOf(client, res, namespace);
        if (left.length === 0) return;
        out.remaining[qualifiedResource(res)] = left.length;
        out.total += left.length;
        for (const obj of left) {
          const finalizers = obj.metadata?.finalizers ?? [];
          for (const f of finalizers) if (!out.finalizersPending.includes(f)) out.finalizersPending.push(f);
        }
      } catch (err) {
        failures.push(new Error(`namespace ${namespace}: deleting ${qualifiedResource(res)}`, { cause: err }));
      }
    }),
  );
  if (failures.length > 0) throw failures[0];
  return out;
}

/** Deletes the collection (or each item when the kind has no deletecollection); answers what is left. */
async function deleteCollectionOf(client: NamespaceClient, res: ResourceInfo, namespace: string): Promise<KubeObject[]> {
  const listed = await client.list<KubeObject>(res, namespace);
  // Already marked items are waiting for a kubelet or a finalizer: deleting again is noise.
  const live = listed.items.filter((obj) => !obj.metadata?.deletionTimestamp);
  if (live.length === 0) return listed.items;
  if (res.verbs.includes('deletecollection')) {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' };
    await client.request('DELETE', resourcePath(res, namespace), { body });
  } else {
    for (const obj of live) {
      try {
        await client.delete(res, namespace, obj.metadata?.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: obj.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
  return (await client.list<KubeObject>(res, namespace)).items;
}

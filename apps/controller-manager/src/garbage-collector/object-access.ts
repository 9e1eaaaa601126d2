import { findResourceByKind, type ResourceInfo } from '@skiff/api';
import { isNotFound, type KubeObject, type RestClient } from '@skiff/client';
import type { ObjectIdentity } from './dependency-graph.ts';
import type { ResourceDiscovery } from '@skiff/client';

/** The verbs the collector uses: narrow, so tests hand it a recording fake. */
export type GcClient = Pick<RestClient, 'get' | 'delete' | 'patch'>;

/** The served resource an apiVersion/kind names (an object's, an ownerReference's); undefined for kinds nobody serves. */
export type KindResolver = (apiVersion: string, kind: string) => Promise<ResourceInfo | undefined>;

/** Built-in kinds from the static table, at no cost; custom ones (and built-ins at another version) through discovery. */
export function kindResolver(discovery?: Pick<ResourceDiscovery, 'resolveKind'>): KindResolver {
  return async (apiVersion, kind) => findResourceByKind(apiVersion, kind) ?? (await discovery?.resolveKind(apiVersion, kind));
}

/**
 * The object as it stands now, or undefined when it is gone or was replaced by another
 * incarnation with the same name (a different uid): neither may be acted on.
 */
export async function getLiveObject(
  client: GcClient,
  res: ResourceInfo,
  id: Pick<ObjectIdentity, 'namespace' | 'name' | 'uid'>,
): Promise<KubeObject | undefined> {
  try {
    const obj = await client.get<KubeObject>(res, res.namespaced ? id.namespace : undefined, id.name);
    return obj.metadata?.uid === id.uid ? obj : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * A JSON patch that only applies to the incarnation and version we read: a concurrent
 * writer makes the `test` fail (422) and the worker retries with fresh data, so we never
 * drop a reference or finalizer someone added meanwhile.
 */
function guardedReplace(obj: KubeObject, path: string, value: unknown): unknown[] {
  return [
    { op: 'test', path: '/metadata/uid', value: obj.metadata?.uid },
    { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion },
    value === undefined ? { op: 'remove', path } : { op: 'replace', path, value },
  ];
}

/** Drops one finalizer from the live object; answers whether it changed anything. */
export async function removeFinalizer(client: GcClient, res: ResourceInfo, id: ObjectIdentity, finalizer: string): Promise<boolean> {
  const live = await getLiveObject(client, res, id);
  const finalizers = live?.metadata?.finalizers ?? [];
  if (!live || !finalizers.includes(finalizer)) return false;
  const rest = finalizers.filter((f) => f !== finalizer);
  await patchIgnoringNotFound(client, res, id, guardedReplace(live, '/metadata/finalizers', rest.length > 0 ? rest : undefined));
  return true;
}

/** Drops the ownerReferences naming any of `ownerUids`; answers whether it changed anything. */
export async function removeOwnerReferences(client: GcClient, res: ResourceInfo, id: ObjectIdentity, ownerUids: readonly string[]): Promise<boolean> {
  const live = await getLiveObject(client, res, id);
  const refs = live?.metadata?.ownerReferences ?? [];
  const rest = refs.filter((ref) => !ownerUids.includes(ref.uid));
  if (!live || rest.length === refs.length) return false;
  await patchIgnoringNotFound(client, res, id, guardedReplace(live, '/metadata/ownerReferences', rest.length > 0 ? rest : undefined));
  return true;
}

async function patchIgnoringNotFound(client: GcClient, res: ResourceInfo, id: ObjectIdentity, patch: unknown[]): Promise<void> {
  try {
    await client.patch(res, res.namespaced ? id.namespace : undefined, id.name, 'json', patch);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function describe(id: ObjectIdentity): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

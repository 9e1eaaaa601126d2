import { findResource, type ResourceInfo } from '@skiff/api';
import { enqueueObject, isConflict, isNotFound, watch, type Informer, type KubeObject, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';
import { DEFAULT_WORKERS } from '../config.ts';
import { ResourceDiscovery } from '@skiff/client';
import { deletableNamespacedResources, deleteNamespaceContent, type ContentRemaining, type NamespaceClient } from './namespace-content-deleter.ts';
import { computeDeletionConditions, mergeConditions, type NamespaceCondition } from './namespace-conditions.ts';

export const NAMESPACE_CONTROLLER_NAME = 'namespace';
/** The finalizer the apiserver puts in spec.finalizers; it is ours to remove. */
export const KUBERNETES_FINALIZER = 'kubernetes';
/** How soon to look again while content remains (pods wait for their kubelet). */
export const CONTENT_REQUEUE_MS = 1000;

const namespacesResource = findResource('', 'v1', 'namespaces') as ResourceInfo;

interface NamespaceObject extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: NamespaceCondition[] };
}

export interface NamespaceSyncDeps {
  client: NamespaceClient & Pick<RestClient, 'get' | 'update'>;
  namespaces: Pick<Informer<NamespaceObject>, 'get'>;
  /** Every served kind, custom ones included. */
  discovery: Pick<ResourceDiscovery, 'snapshot'>;
  logger: Logger;
  now?: () => Date;
}

/**
 * Kubernetes' namespace controller: a namespace marked for deletion (Terminating, with
 * `kubernetes` in spec.finalizers) is emptied kind by kind; while anything remains it
 * looks again every second and says so in its conditions; once empty it hands back its
 * finalizer through namespaces/NAME/finalize and the apiserver removes the namespace.
 */
export function newNamespaceController(): Controller {
  return keyedController(NAMESPACE_CONTROLLER_NAME, DEFAULT_WORKERS, (ctx) => {
    const namespaces = ctx.informers.informerFor<NamespaceObject>(namespacesResource);
    const deps: NamespaceSyncDeps = { client: ctx.client, namespaces, discovery: new ResourceDiscovery(ctx.client), logger: ctx.logger };
    const { add, update } = enqueueObject<NamespaceObject>({ keyOf: (ns) => (ns.metadata?.deletionTimestamp ? ns.metadata.name : undefined) });
    return {
      watches: [watch(namespaces, { add, update })],
      sync: (name) => syncNamespace(deps, name),
    };
  });
}

/** One pass for namespace `name`: delete content, or finalize once nothing is left. */
export async function syncNamespace(deps: NamespaceSyncDeps, name: string): Promise<SyncResult> {
  const ns = deps.namespaces.get(undefined, name);
  if (!ns?.metadata?.deletionTimestamp) return;
  if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;

  let content: ContentRemaining | undefined;
  let failure: unknown;
  let discoveryFailure: Error | undefined;
  try {
    // Discovery no older than the deletion: every kind that could hold objects here is in
    // it (a terminating namespace takes no new objects), and one round serves every pass.
    const snap = await deps.discovery.snapshot(Date.parse(ns.metadata.deletionTimestamp));
    const failed = Object.entries(snap.failed);
    if (failed.length > 0)
      discoveryFailure = new Error(`Discovery failed for some groups, ${failed.length} failing: ${failed.map(([gv, why]) => `${gv}: ${why}`).join('; ')}`);
    content = await deleteNamespaceContent(deps.client, name, deletableNamespacedResources(snap.resources));
  } catch (err) {
    failure = err;
  }
  await updateConditions(deps, ns, computeDeletionConditions(content, failure, discoveryFailure));
  if (failure) throw failure;
  // Kinds we could not see may still hold objects: never finalize past them.
  if (discoveryFailure) throw discoveryFailure;
  if (content && content.total > 0) {
    deps.logger.debug({ namespace: name, remaining: content.remaining }, 'namespace content remains');
    return { requeueAfter: CONTENT_REQUEUE_MS };
  }
  await finalizeNamespace(deps, name);
  return;
}

/** PUT namespaces/NAME/finalize without our finalizer, on the namespace as it stands now. */
async function finalizeNamespace(deps: NamespaceSyncDeps, name: string): Promise<void> {
  let live: NamespaceObject;
  try {
    live = await deps.client.get<NamespaceObject>(namespacesResource, undefined, name);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const finalizers = live.spec?.finalizers ?? [];
  if (!finalizers.includes(KUBERNETES_FINALIZER)) return;
  const body = structuredClone(live);
  body.spec = { ...body.spec, finalizers: finalizers.filter((f) => f !== KUBERNETES_FINALIZER) };
  try {
    await deps.client.update(namespacesResource, body, { subresource: 'finalize' });
    deps.logger.info({ namespace: name }, 'namespace emptied; finalized');
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Best effort: a stale write (conflict) is skipped, the next pass writes again. */
async function updateConditions(deps: NamespaceSyncDeps, ns: NamespaceObject, wanted: ReturnType<typeof computeDeletionConditions>): Promise<void> {
  const merged = mergeConditions(ns.status?.conditions ?? [], wanted, deps.now?.() ?? new Date());
  if (!merged) return;
  const body = structuredClone(ns) as NamespaceObject;
  body.status = { ...body.status, conditions: merged };
  try {
    await deps.client.update(namespacesResource, body, { subresource: 'status' });
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return;
    deps.logger.warn({ err, namespace: ns.metadata?.name }, 'could not update namespace deletion conditions');
  }
}

/**
 * The steps every strategy shares (Kubernetes' deployment/sync.go, rewritten): find or
 * create the new ReplicaSet and keep revisions in step, scale ReplicaSets (proportionally
 * when the deployment itself is resized), clean up old history, and the paused/scaling path.
 */
import { findResourceByKind, type Deployment, type Pod, type ReplicaSet, type ResourceInfo } from '@skiff/api';
import { isAlreadyExists, isNotFound, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { getControllerOf, newControllerRef } from '../common/controller-ref.ts';
import { PROGRESSING, getCondition, hasProgressDeadline, newCondition, reasons, setCondition } from './conditions.ts';
import { syncDeploymentStatus } from './progress.ts';
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
  compareBySizeNewer,
  compareBySizeOlder,
  computeTemplateHash,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  filterActiveReplicaSets,
  findNewReplicaSet,
  findOldReplicaSets,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurgeOf,
  newReplicaSetReplicas,
  replicaSetProportion,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  revisionOf,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicaCount,
  compareByCreation,
} from './util.ts';

export const deploymentsResource: ResourceInfo = findResourceByKind('apps/v1', 'Deployment')!;
export const replicaSetsResource: ResourceInfo = findResourceByKind('apps/v1', 'ReplicaSet')!;
export const deploymentGvk = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** The slice of EventRecorder the controller uses (tests record calls). */
export interface EventSink {
  event(obj: Deployment, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Everything a sync step needs besides the objects: the API, events, the clock. */
export interface SyncDeps {
  client: Pick<RestClient, 'get' | 'create' | 'update' | 'patch' | 'delete'>;
  recorder: EventSink;
  now: () => Date;
  logger?: Logger;
}

/** The pods of the deployment's ReplicaSets, by RS UID (Recreate waits for old ones to go). */
export type PodMap = Map<string, Pod[]>;

/** After a write, the sync's mutable copy carries the server's new resourceVersion (a read-only field in the types). */
export function takeResourceVersion(d: Deployment, updated: Deployment): void {
  (d.metadata as { resourceVersion?: string }).resourceVersion = updated.metadata?.resourceVersion;
}

/** Writes d.status (d is the sync's own mutable copy) and takes the new resourceVersion. */
export async function updateDeploymentStatus(deps: SyncDeps, d: Deployment): Promise<void> {
  const updated = await deps.client.update<Deployment>(deploymentsResource, d, { subresource: 'status' });
  takeResourceVersion(d, updated);
}

/**
 * Records the current revision on the deployment. Status writes keep metadata as stored,
 * so this is a merge patch of the object itself (it does not touch spec or generation).
 */
async function setDeploymentRevision(deps: SyncDeps, d: Deployment, revision: string): Promise<boolean> {
  if (d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return false;
  const patch = { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } };
  const updated = await deps.client.patch<Deployment>(deploymentsResource, d.metadata!.namespace, d.metadata!.name!, 'merge', patch);
  d.metadata!.annotations = { ...(d.metadata!.annotations ?? {}), [REVISION_ANNOTATION]: revision };
  takeResourceVersion(d, updated);
  return true;
}

/**
 * Finds the new ReplicaSet (creating it when asked) and the old ones, and brings revision
 * annotations in step: the new RS and the deployment carry max(old revisions) + 1.
 */
export async function getAllReplicaSetsAndSyncRevision(
  deps: SyncDeps,
  d: Deployment,
  rsList: readonly ReplicaSet[],
  createIfMissing: boolean,
): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(deps, d, rsList, oldRSs, createIfMissing);
  return { newRS, oldRSs };
}

async function getNewReplicaSet(
  deps: SyncDeps,
  d: Deployment,
  rsList: readonly ReplicaSet[],
  oldRSs: ReplicaSet[],
  createIfMissing: boolean,
): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) return syncExistingNewReplicaSet(deps, d, existing, newRevision);
  if (!createIfMissing) return undefined;
  return createNewReplicaSet(deps, d, oldRSs, newRevision);
}

async function syncExistingNewReplicaSet(deps: SyncDeps, d: Deployment, existing: ReplicaSet, newRevision: number): Promise<ReplicaSet> {
  let rs = existing;
  const copy = structuredClone(existing) as ReplicaSet;
  const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
  const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
  if (annotationsChanged || minReadyChanged) {
    copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
    rs = await deps.client.update<ReplicaSet>(replicaSetsResource, copy);
  }
  let statusChanged = false;
  await setDeploymentRevision(deps, d, rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? String(newRevision));
  if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
    const message = `Found new replica set "${rs.metadata?.name}"`;
    setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', reasons.foundNewReplicaSet, message, deps.now()));
    statusChanged = true;
  }
  if (statusChanged) await updateDeploymentStatus(deps, d);
  return rs;
}

async function createNewReplicaSet(deps: SyncDeps, d: Deployment, oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
  const template = structuredClone(d.spec!.template);
  const hash = computeTemplateHash(d.spec!.template, d.status?.collisionCount);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec!.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const name = `${d.metadata!.name}-${hash}`;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: d.metadata!.namespace,
      ownerReferences: [newControllerRef(d, deploymentGvk)],
      labels: template.metadata.labels,
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  rs.spec!.replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);

  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await deps.client.create<ReplicaSet>(replicaSetsResource, rs);
  } catch (err) {
    if (!isAlreadyExists(err)) {
      if (hasProgressDeadline(d)) {
        const message = `Failed to create new replica set "${name}": ${(err as Error).message}`;
        setCondition((d.status ??= {}), newCondition(PROGRESSING, 'False', reasons.failedReplicaSetCreate, message, deps.now()));
        await updateDeploymentStatus(deps, d).catch(() => undefined);
      }
      throw new Error(`deployment ${d.metadata!.namespace}/${d.metadata!.name}: create replica set ${name}`, { cause: err });
    }
    // Ours with our template (a stale cache): use it. Anything else is a hash collision:
    // bump collisionCount so the next pass computes a different name.
    const found = await deps.client.get<ReplicaSet>(replicaSetsResource, d.metadata!.namespace, name);
    const ours = getControllerOf(found)?.uid === d.metadata?.uid && equalIgnoreHash(found.spec?.template, d.spec?.template);
    if (!ours) {
      (d.status ??= {}).collisionCount = (d.status.collisionCount ?? 0) + 1;
      await updateDeploymentStatus(deps, d);
      throw new Error(
        `deployment ${d.metadata!.namespace}/${d.metadata!.name}: replica set name ${name} collides; collisionCount now ${d.status.collisionCount}`,
      );
    }
    created = found;
    alreadyExists = true;
  }
  if (!alreadyExists && replicasOf(created) > 0) {
    deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} to ${replicasOf(created)}`);
  }
  let statusChanged = false;
  await setDeploymentRevision(deps, d, String(newRevision));
  if (!alreadyExists && hasProgressDeadline(d)) {
    const message = `Created new replica set "${name}"`;
    setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', reasons.newReplicaSetCreated, message, deps.now()));
    statusChanged = true;
  }
  if (statusChanged) await updateDeploymentStatus(deps, d);
  return created;
}

/**
 * Sets an RS's size (and its desired/max-replicas annotations) and records
 * ScalingReplicaSet. Answers whether it wrote, and the RS as it now stands.
 */
export async function scaleReplicaSet(deps: SyncDeps, rs: ReplicaSet, size: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const oldSize = replicasOf(rs);
  const desired = replicasOf(d);
  const max = desired + maxSurgeOf(d);
  const sizeChanged = oldSize !== size;
  if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const copy = structuredClone(rs) as ReplicaSet;
  copy.spec!.replicas = size;
  setReplicasAnnotations(copy, desired, max);
  const updated = await deps.client.update<ReplicaSet>(replicaSetsResource, copy);
  if (sizeChanged) {
    const direction = size > oldSize ? 'up' : 'down';
    deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${rs.metadata?.name} to ${size} from ${oldSize}`);
  }
  return { scaled: sizeChanged, rs: updated };
}

/**
 * Resizes ReplicaSets after spec.replicas changed. One active RS (or none) takes the whole
 * size; a saturated new RS means old ones go to 0; mid-rollout, the difference to
 * replicas + maxSurge is spread in proportion to the RSes' sizes, so a rollout keeps its shape.
 */
export async function scale(deps: SyncDeps, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (replicasOf(activeOrLatest) !== replicasOf(d)) await scaleReplicaSet(deps, activeOrLatest, replicasOf(d), d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActiveReplicaSets(oldRSs)) await scaleReplicaSet(deps, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const sizes = computeProportionalSizes(d, newRS, oldRSs);
  for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
    await scaleReplicaSet(deps, rs, sizes.get(rs.metadata!.name!) ?? replicasOf(rs), d);
  }
}

/** The target size of every active RS after a resize during a rolling update (pure). */
export function computeProportionalSizes(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Map<string, number> {
  const allRSs = filterActiveReplicaSets([...oldRSs, newRS]);
  const allowedSize = replicasOf(d) > 0 ? replicasOf(d) + maxSurgeOf(d) : 0;
  const toAdd = allowedSize - specReplicaCount(allRSs);
  // Scaling up favours the larger, then newer RSes; down, the larger, then older ones.
  allRSs.sort(toAdd > 0 ? compareBySizeNewer : compareBySizeOlder);
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of allRSs) {
    const proportion = toAdd !== 0 ? replicaSetProportion(rs, d, toAdd, added) : 0;
    sizes.set(rs.metadata!.name!, replicasOf(rs) + proportion);
    added += proportion;
  }
  // Rounding leaves a remainder: it goes to the first (largest) RS.
  if (toAdd !== added && allRSs.length > 0) {
    const first = allRSs[0].metadata!.name!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return sizes;
}

/** The single active RS, or, when none is active, the new RS or the newest old one. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const all = [...oldRSs, ...(newRS ? [newRS] : [])].sort(compareByCreation).reverse();
  const active = filterActiveReplicaSets(all);
  if (active.length === 1) return active[0];
  if (active.length === 0) return newRS ?? all[0];
  return undefined;
}

/** Some active RS was sized for another spec.replicas: the user scaled, not changed the template. */
export async function isScalingEvent(deps: SyncDeps, d: Deployment, rsList: readonly ReplicaSet[]): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, false);
  for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired !== undefined && desired !== replicasOf(d)) return true;
  }
  return false;
}

/** Paused or resized: only scale and report, never roll. */
export async function syncScaleOnly(deps: SyncDeps, d: Deployment, rsList: readonly ReplicaSet[]): Promise<SyncResult> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, false);
  await scale(deps, d, newRS, oldRSs);
  if (d.spec?.paused && !d.metadata?.annotations?.[ROLLBACK_TO_ANNOTATION]) await cleanupDeployment(deps, oldRSs, d);
  await syncDeploymentStatus(deps, [...oldRSs, newRS], newRS, d);
}

/** Deleting: report only. */
export async function syncStatusOnly(deps: SyncDeps, d: Deployment, rsList: readonly ReplicaSet[]): Promise<SyncResult> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, false);
  await syncDeploymentStatus(deps, [...oldRSs, newRS], newRS, d);
}

/**
 * revisionHistoryLimit: delete the oldest old ReplicaSets beyond the limit, but only empty
 * ones that their controller has caught up with (no pods left, status observed).
 */
export async function cleanupDeployment(deps: SyncDeps, oldRSs: readonly ReplicaSet[], d: Deployment): Promise<void> {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const excess = cleanable.length - limit;
  if (excess <= 0) return;
  cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || compareByCreation(a, b));
  for (const rs of cleanable.slice(0, excess)) {
    const busy = (rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0);
    if (busy) continue;
    deps.logger?.debug({ deployment: `${d.metadata?.namespace}/${d.metadata?.name}`, rs: rs.metadata?.name }, 'deleting old replica set');
    try {
      await deps.client.delete(replicaSetsResource, rs.metadata!.namespace, rs.metadata!.name!, { preconditions: { uid: rs.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * sync(key) for one PodDisruptionBudget: select its pods from the cache, work out how many are
 * expected and must stay healthy, prune disruptedPods, count the healthy ones and write the
 * status when it changed. When the counts cannot be worked out the budget falls back to allowing
 * no disruption (failSafe) and the key is retried with backoff.
 */
import { deepEqual, findResourceByKind, fromLabelSelector, type Pod, type PodDisruptionBudget } from '@skiff/api';
import { isConflict, splitKey, type EventRecorder, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { budgetObjectRef, formatLabelSelectorStruct } from './budget-events.ts';
import { failSafeStatus, nextStatus } from './budget-status.ts';
import { buildDisruptedPodMap, countHealthyPods } from './disrupted-pods.ts';
import { getExpectedPodCount, type ScaleFinder } from './expected-pods.ts';

export const pdbResource = findResourceByKind('policy/v1', 'PodDisruptionBudget')!;

export interface PdbSyncDeps {
  client: Pick<RestClient, 'update'>;
  pdbs: Pick<Lister<PodDisruptionBudget>, 'get'>;
  pods: Pick<Lister<Pod>, 'list'>;
  findScale: ScaleFinder;
  recorder: Pick<EventRecorder, 'event'>;
  logger: Logger;
  now: () => Date;
}

/** The pods a budget selects (policy/v1: `{}` selects every pod of the namespace, no selector none). */
export function podsForBudget(pdb: PodDisruptionBudget, pods: Pick<Lister<Pod>, 'list'>): Pod[] {
  const selector = fromLabelSelector(pdb.spec?.selector);
  return pods.list(pdb.metadata?.namespace ?? '').filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
}

export async function syncPdb(deps: PdbSyncDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const pdb = deps.pdbs.get(namespace, name);
  if (!pdb) return undefined;
  try {
    return await trySync(deps, pdb);
  } catch (err) {
    if (isConflict(err)) throw err;
    deps.logger.warn({ err, pdb: key }, 'failed to sync PodDisruptionBudget');
    const status = failSafeStatus(pdb, (err as Error).message, deps.now());
    if (!deepEqual(status, pdb.status)) await writeStatus(deps, pdb, status);
    throw err;
  }
}

async function trySync(deps: PdbSyncDeps, pdb: PodDisruptionBudget): Promise<SyncResult> {
  const ref = budgetObjectRef(pdb);
  let pods: Pod[];
  try {
    pods = podsForBudget(pdb, deps.pods);
  } catch (err) {
    deps.recorder.event(ref, 'Warning', 'NoPods', `Failed to get pods: ${(err as Error).message}`);
    throw err;
  }
  if (pods.length === 0) deps.recorder.event(ref, 'Normal', 'NoPods', 'No matching pods found');

  let expected;
  try {
    expected = await getExpectedPodCount(pdb.spec, pods, deps.findScale);
  } catch (err) {
    deps.recorder.event(ref, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
    throw err;
  }
  if (expected.unmanagedPods.length > 0) {
    deps.recorder.event(
      ref,
      'Warning',
      'UnmanagedPods',
      `Pods selected by this PodDisruptionBudget (selector: ${formatLabelSelectorStruct(pdb.spec?.selector)}) were found ` +
        'to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
        'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    );
  }

  const now = deps.now();
  const disrupted = buildDisruptedPodMap(pods, pdb.status?.disruptedPods, now.getTime());
  for (const pod of disrupted.notDeleted) {
    deps.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata?.namespace}/${pdb.metadata?.name} to be deleted but it wasn't`);
  }
  const currentHealthy = countHealthyPods(pods, disrupted.disruptedPods, now.getTime());
  const status = nextStatus(
    pdb,
    {
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedCount: expected.expectedCount,
      disruptedPods: disrupted.disruptedPods,
    },
    now,
  );
  if (status) await writeStatus(deps, pdb, status);
  // Look again when the earliest disruptedPods entry times out, even if no pod event comes.
  return disrupted.recheckAt === undefined ? undefined : { requeueAfter: Math.max(0, disrupted.recheckAt - now.getTime()) + 1 };
}

/** A compare-and-swap status write: a conflict means the cache is behind, and the key is retried. */
async function writeStatus(deps: PdbSyncDeps, pdb: PodDisruptionBudget, status: PodDisruptionBudget['status']): Promise<void> {
  const next: PodDisruptionBudget = { ...structuredClone(pdb), status };
  await deps.client.update(pdbResource, next, { subresource: 'status' });
}

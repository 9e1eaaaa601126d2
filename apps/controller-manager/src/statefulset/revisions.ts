/**
 * The StatefulSet's ControllerRevisions (upstream's getStatefulSetRevisions and
 * truncateHistory): the update revision is the one holding today's template, the current
 * revision the one status names (or the update revision when none is named yet).
 */
import type { ControllerRevision, Pod, StatefulSet } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';
import {
  controllerRevisionsResource,
  createControllerRevision,
  findEqualRevisions,
  hashRevisionData,
  newControllerRevision,
  nextRevision,
  REVISION_DATA_HASH_LABEL,
  revisionsToPrune,
  sortRevisions,
  templatePatch,
} from '../common/controller-history.ts';
import { revisionOf, statefulSetGvk } from './util.ts';

export interface SetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
  /** Every revision of the set after this pass, oldest first. */
  all: ControllerRevision[];
}

type RevisionClient = Pick<RestClient, 'create' | 'get' | 'update' | 'delete'>;

/** The revision `set`'s template would be stored as (history.NewControllerRevision + the set's annotations). */
export function buildRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = templatePatch(set.spec?.template);
  return newControllerRevision({
    parent: set,
    gvk: statefulSetGvk,
    templateLabels: set.spec?.template?.metadata?.labels,
    data,
    revision,
    hash: hashRevisionData(data, collisionCount),
    hashLabel: REVISION_DATA_HASH_LABEL,
    annotations: set.metadata?.annotations,
  });
}

/**
 * Finds or creates the update revision. An equal revision that is the newest is reused as
 * is; an equal older one (a rollback to an earlier template) is renumbered to the next
 * revision so history shows it as the latest; otherwise a new revision is created.
 */
export async function getStatefulSetRevisions(client: RevisionClient, set: StatefulSet, revisions: readonly ControllerRevision[]): Promise<SetRevisions> {
  const sorted = sortRevisions(revisions);
  let collisionCount = set.status?.collisionCount ?? 0;
  const candidate = buildRevision(set, nextRevision(sorted), collisionCount);
  const equal = findEqualRevisions(sorted, candidate);
  let update: ControllerRevision;
  const newest = sorted.at(-1);
  const lastEqual = equal.at(-1);
  if (lastEqual && lastEqual.metadata?.name === newest?.metadata?.name) {
    update = lastEqual;
  } else if (lastEqual) {
    update = await client.update<ControllerRevision>(controllerRevisionsResource, { ...structuredClone(lastEqual), revision: candidate.revision });
  } else {
    const data = candidate.data;
    const created = await createControllerRevision(client, candidate, collisionCount, (n) => hashRevisionData(data, n), REVISION_DATA_HASH_LABEL);
    update = created.revision;
    collisionCount = created.collisionCount;
  }
  const all = sorted.filter((r) => r.metadata?.name !== update.metadata?.name);
  all.push(update);
  const current = all.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount, all: sortRevisions(all) };
}

/**
 * Deletes unused revisions beyond revisionHistoryLimit (default 10); the current and update
 * revisions and any a pod still runs are never deleted.
 */
export async function truncateHistory(client: RevisionClient, set: StatefulSet, pods: readonly Pod[], revisions: SetRevisions): Promise<void> {
  const live = new Set<string>([revisions.current.metadata?.name ?? '', revisions.update.metadata?.name ?? '']);
  for (const pod of pods) {
    const rev = revisionOf(pod);
    if (rev) live.add(rev);
  }
  for (const victim of revisionsToPrune(revisions.all, live, set.spec?.revisionHistoryLimit ?? 10)) {
    try {
      await client.delete(controllerRevisionsResource, victim.metadata?.namespace, victim.metadata?.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

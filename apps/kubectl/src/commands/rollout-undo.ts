import { isDeepStrictEqual } from 'node:util';
import type { Deployment, ResourceInfo } from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import type { DryRun } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { objectRef } from './scale.ts';
import { listRevisions, podTemplateText, type Revision } from './rollout-history.ts';

/** The revision `undo` goes back to: `toRevision`, or with 0 the one before the newest. */
export function pickRevision(revisions: Revision[], toRevision: number, noHistory: string): Revision {
  if (toRevision < 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (toRevision === 0) {
    if (revisions.length < 2) throw new CliError(noHistory);
    return revisions[revisions.length - 2];
  }
  const found = revisions.find((r) => r.revision === toRevision);
  if (!found) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  return found;
}

/**
 * `kubectl rollout undo TYPE/NAME [--to-revision=N]` for a Deployment, StatefulSet or
 * DaemonSet: puts the chosen revision's template back so the controller rolls to it (as a
 * new revision). A Deployment gets the ReplicaSet's template by a JSON patch guarded by a
 * resourceVersion test; a StatefulSet or DaemonSet gets its ControllerRevision's data as the
 * strategic merge patch it already is, as kubectl sends it.
 */
export async function undoRollout(
  client: RestClient,
  res: ResourceInfo,
  namespace: string,
  name: string,
  toRevision = 0,
  dryRun: DryRun = 'none',
): Promise<string> {
  const obj = await client.get<KubeObject & { spec?: Deployment['spec'] }>(res, namespace, name);
  const ref = objectRef(res, name);
  const isDeployment = res.kind === 'Deployment';
  if (isDeployment && obj.spec?.paused) {
    throw new CliError(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume ${ref}' and try again`);
  }
  const revisions = await listRevisions(client, res, obj);
  const target = pickRevision(revisions, toRevision, isDeployment ? `no rollout history found for deployment "${name}"` : 'no last revision to roll back to');
  // As kubectl: a client dry run answers the template it would put back, as the result.
  if (dryRun === 'client') return `${ref} ${podTemplateText(target.template)} (dry run)`;
  if (isDeepStrictEqual(target.template, obj.spec?.template)) {
    return `${ref} skipped rollback (current template already matches revision ${target.revision})`;
  }
  if (target.controllerRevision) {
    await client.patch(res, namespace, name, 'strategic', target.controllerRevision.data ?? {}, { dryRun: dryRun === 'server' });
  } else {
    await client.patch(
      res,
      namespace,
      name,
      'json',
      [
        { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion },
        { op: 'replace', path: '/spec/template', value: target.template },
      ],
      { dryRun: dryRun === 'server' },
    );
  }
  return `${ref} rolled back${dryRun === 'server' ? ' (server dry run)' : ''}`;
}

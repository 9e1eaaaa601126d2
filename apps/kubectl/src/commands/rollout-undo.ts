import { isDeepStrictEqual } from 'node:util';
import type { Deployment, PodTemplateSpec } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';
import { findRevision, listRevisions } from './rollout-history.ts';
import { DEPLOYMENTS } from './rollout-status.ts';

const POD_TEMPLATE_HASH = 'pod-template-hash';

/** The template as the Deployment would hold it: the ReplicaSet's, minus the hash label the controller adds. */
export function templateForRollback(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH];
  }
  return copy;
}

/**
 * `kubectl rollout undo deployment/web [--to-revision=N]`: puts the chosen revision's
 * template back into the Deployment with a JSON patch guarded by a resourceVersion test,
 * so the controller rolls forward to it (as a new revision). 0 means the previous one.
 */
export async function undoRollout(client: RestClient, namespace: string, name: string, toRevision = 0): Promise<string> {
  const d = await client.get<Deployment>(DEPLOYMENTS, namespace, name);
  const ref = `deployment.apps/${name}`;
  if (d.spec?.paused) {
    throw new CliError(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume ${ref}' and try again`);
  }
  const revisions = await listRevisions(client, d);
  let target;
  if (toRevision > 0) {
    target = findRevision(revisions, toRevision);
  } else {
    if (revisions.length < 2) throw new CliError('no rollout history found for deployment "' + name + '"');
    // The newest revision is the current one; undo goes to the one before it.
    target = revisions[revisions.length - 2];
  }
  const template = templateForRollback(target.replicaSet.spec?.template);
  if (isDeepStrictEqual(template, d.spec?.template)) {
    return `${ref} skipped rollback (current template already matches revision ${target.revision})`;
  }
  await client.patch(DEPLOYMENTS, namespace, name, 'json', [
    { op: 'test', path: '/metadata/resourceVersion', value: d.metadata?.resourceVersion },
    { op: 'replace', path: '/spec/template', value: template },
  ]);
  return `${ref} rolled back`;
}

import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';
import { qualifiedResourceName } from './rollout-pause.ts';
import { objectRef } from './scale.ts';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
const restartable = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet']);

/**
 * Changes the template of a Deployment, StatefulSet or DaemonSet (an annotation with the
 * time, RFC 3339) so its controller replaces every pod.
 */
export async function restartRollout(client: RestClient, res: ResourceInfo, namespace: string, name: string, now: Date): Promise<string> {
  if (!restartable.has(`${res.group}/${res.kind}`)) throw new CliError(`${qualifiedResourceName(res, name)} restarting is not supported`);
  const obj = await client.get<KubeObject & { spec?: { paused?: boolean } }>(res, namespace, name);
  if (obj.spec?.paused) throw new CliError(`${qualifiedResourceName(res, name)} can't restart paused deployment (run rollout resume first)`);
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(res, namespace, name, 'strategic', {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } },
  });
  return `${objectRef(res, name)} restarted`;
}

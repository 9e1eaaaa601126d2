import type { Deployment } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';
import { DEPLOYMENTS } from './rollout-status.ts';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Changes the template (an annotation with the time) so the controller replaces every pod. */
export async function restartRollout(client: RestClient, namespace: string, name: string, now: Date): Promise<string> {
  const d = await client.get<Deployment>(DEPLOYMENTS, namespace, name);
  if (d.spec?.paused) throw new CliError(`deployments.apps "${name}" can't restart paused deployment (run rollout resume first)`);
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(DEPLOYMENTS, namespace, name, 'strategic', {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } },
  });
  return `deployment.apps/${name} restarted`;
}

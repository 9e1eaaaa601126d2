import type { Deployment } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';
import { DEPLOYMENTS } from './rollout-status.ts';

/** `rollout pause` / `rollout resume`: flips spec.paused; a no-op is an error, as in kubectl. */
export async function setRolloutPaused(client: RestClient, namespace: string, name: string, paused: boolean): Promise<string> {
  const d = await client.get<Deployment>(DEPLOYMENTS, namespace, name);
  const verb = paused ? 'paused' : 'resumed';
  if ((d.spec?.paused ?? false) === paused) throw new CliError(`deployments.apps "${name}" is ${paused ? 'already paused' : 'not paused'}`);
  await client.patch(DEPLOYMENTS, namespace, name, 'strategic', { spec: { paused: paused ? true : null } });
  return `deployment.apps/${name} ${verb}`;
}

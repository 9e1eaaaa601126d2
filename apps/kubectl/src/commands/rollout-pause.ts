import type { Deployment, ResourceInfo } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';
import { objectRef } from './scale.ts';

/** `deployments.apps "web"`: how kubectl names the object in a rollout patch's error. */
export function qualifiedResourceName(res: Pick<ResourceInfo, 'resource' | 'group'>, name: string): string {
  return `${res.group ? `${res.resource}.${res.group}` : res.resource} "${name}"`;
}

/** `rollout pause` / `rollout resume`: flips a Deployment's spec.paused; a no-op is an error, as in kubectl. */
export async function setRolloutPaused(client: RestClient, res: ResourceInfo, namespace: string, name: string, paused: boolean): Promise<string> {
  const verb = paused ? 'paused' : 'resumed';
  if (res.group !== 'apps' || res.kind !== 'Deployment')
    throw new CliError(`${qualifiedResourceName(res, name)} ${paused ? 'pausing' : 'resuming'} is not supported`);
  const d = await client.get<Deployment>(res, namespace, name);
  if ((d.spec?.paused ?? false) === paused) throw new CliError(`${qualifiedResourceName(res, name)} is ${paused ? 'already paused' : 'not paused'}`);
  await client.patch(res, namespace, name, 'strategic', { spec: { paused: paused ? true : null } });
  return `${objectRef(res, name)} ${verb}`;
}

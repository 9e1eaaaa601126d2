/**
 * The DisruptionTarget condition an eviction (or preemption) puts on a pod says "this pod is about
 * to go". If the pod is still not being deleted two minutes later the disruption did not happen
 * (the delete failed, a webhook refused it), and a True condition would mislead: the controller
 * sets it to False (syncStalePodDisruption). The kubelet's own condition (TerminationByKubelet) and
 * pods already finished are left alone.
 */
import { findResourceByKind, type Pod } from '@skiff/api';
import { splitKey, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { formatTime } from '../deployment/conditions.ts';

export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';
const podsResource = findResourceByKind('v1', 'Pod')!;

/** undefined when the pod has no stale-able condition; else how long until it is stale (0: now). */
export function staleDisruptionWait(pod: Pod, now: number, timeoutMs = STALE_POD_DISRUPTION_TIMEOUT_MS): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const cond = pod.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET_CONDITION);
  const phase = pod.status?.phase;
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
  return Math.max(0, since + timeoutMs - now);
}

export interface StaleDisruptionDeps {
  client: Pick<RestClient, 'update'>;
  pods: Pick<Lister<Pod>, 'get'>;
  logger: Logger;
  now: () => Date;
  timeoutMs?: number;
}

export async function syncStalePodDisruption(deps: StaleDisruptionDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const pod = deps.pods.get(namespace, name);
  if (!pod) return undefined;
  const now = deps.now();
  const wait = staleDisruptionWait(pod, now.getTime(), deps.timeoutMs);
  if (wait === undefined) return undefined;
  if (wait > 0) return { requeueAfter: wait };
  // As UpdatePodCondition does: the condition is replaced, so the eviction's reason and message go with it.
  const next: Pod = structuredClone(pod);
  next.status!.conditions = next.status!.conditions!.map((c) =>
    c.type === DISRUPTION_TARGET_CONDITION ? { type: DISRUPTION_TARGET_CONDITION, status: 'False', lastTransitionTime: formatTime(now) } : c,
  );
  await deps.client.update(podsResource, next, { subresource: 'status' });
  deps.logger.info({ pod: key }, 'reset stale DisruptionTarget condition to False');
  return undefined;
}

import { findResourceByKind, type Deployment } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import type { Writable } from 'node:stream';
import { CliError } from '../errors.ts';

export const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;

/**
 * One step of `kubectl rollout status` for a Deployment: the line to print and whether
 * the rollout is complete — kubectl's deployment status viewer, message for message.
 */
export function describeRolloutStatus(d: Deployment): { message: string; done: boolean } {
  const name = d.metadata?.name ?? '';
  const status = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...', done: false };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  }
  const want = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < want) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`, done: false };
  }
  if (total > updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`, done: false };
  }
  if (available < updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false };
  }
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

/**
 * Watches the Deployment until its rollout completes, printing each new status line.
 * `watch: false` prints the current state once. Times out with kubectl's error.
 */
export async function waitForRollout(client: RestClient, namespace: string, name: string, opts: { out: Writable; timeoutMs?: number; watch?: boolean }): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 86_400_000);
  let last = '';
  const show = (d: Deployment): boolean => {
    const { message, done } = describeRolloutStatus(d);
    if (message !== last) opts.out.write(`${message}\n`);
    last = message;
    return done;
  };
  try {
    const first = await client.get<Deployment>(DEPLOYMENTS, namespace, name);
    if (show(first) || opts.watch === false) return;
    // Re-open the watch if the server ends it; each opening starts with the current state.
    while (!abort.signal.aborted) {
      for await (const event of client.watch<Deployment>(DEPLOYMENTS, namespace, { fieldSelector: `metadata.name=${name}`, signal: abort.signal })) {
        if (event.type === 'DELETED') throw new CliError(`deployment "${name}" was deleted`);
        if (event.type === 'ADDED' || event.type === 'MODIFIED') {
          if (show(event.object)) return;
        }
      }
    }
    throw new CliError('timed out waiting for the condition');
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

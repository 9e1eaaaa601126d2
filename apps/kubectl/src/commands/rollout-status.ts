import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import type { Writable } from 'node:stream';
import { CliError } from '../errors.ts';
import { statusViewerFor } from './rollout-status-viewers.ts';

/**
 * `kubectl rollout status` for a Deployment, StatefulSet or DaemonSet: watches the object
 * until its kind's status viewer says the rollout is complete, printing each new line.
 * `watch: false` prints the current state once. Times out with kubectl's error.
 */
export async function waitForRollout(
  client: RestClient,
  res: ResourceInfo,
  namespace: string,
  name: string,
  opts: { out: Writable; timeoutMs?: number; watch?: boolean },
): Promise<void> {
  const viewer = statusViewerFor(res);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 86_400_000);
  let last = '';
  const show = (obj: KubeObject): boolean => {
    const { message, done } = viewer(obj);
    if (message !== last) opts.out.write(`${message}\n`);
    last = message;
    return done;
  };
  try {
    const first = await client.get(res, namespace, name);
    if (show(first) || opts.watch === false) return;
    // Re-open the watch if the server ends it; each opening starts with the current state.
    while (!abort.signal.aborted) {
      for await (const event of client.watch(res, namespace, { fieldSelector: `metadata.name=${name}`, signal: abort.signal })) {
        if (event.type === 'DELETED') throw new CliError(`${res.kind.toLowerCase()} "${name}" was deleted`);
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

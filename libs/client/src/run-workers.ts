import type { Logger } from '@skiff/log';
import type { WorkQueue } from './work-queue.ts';

/** Thrown by a sync to say "retrying cannot help": the key is logged and dropped. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** What a sync may answer: nothing (done), or "look again in this many ms". */
export type SyncResult = void | undefined | { requeueAfter: number };

export interface Syncable {
  hasSynced(): boolean;
}

export interface RunWorkersOptions<K> {
  queue: WorkQueue<K>;
  sync: (key: K) => Promise<SyncResult>;
  /** Parallel workers (default 1); one key is never synced by two at once. */
  workers?: number;
  /** Caches the sync reads: workers start only once every one has synced. */
  informers?: Syncable[];
  /** Aborting shuts the queue down; runWorkers then resolves once in-flight syncs end. */
  signal?: AbortSignal;
  /** Failures before a key is dropped (default 15). */
  maxRetries?: number;
  logger?: Logger;
  /** For log lines: 'deployment', 'replicaset', ... */
  name?: string;
}

/**
 * The retry policy every controller shares, written once: success forgets the key's
 * failures; a thrown error requeues it with rate-limited backoff until maxRetries, then
 * drops it with a log line; `{ requeueAfter }` requeues it on a timer; a TerminalError is
 * logged and dropped. Resolves when the queue is shut down and every worker has stopped.
 */
export async function runWorkers<K>(opts: RunWorkersOptions<K>): Promise<void> {
  const { queue, signal } = opts;
  const onAbort = () => queue.shutDown();
  if (signal?.aborted) return queue.shutDown();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (!(await waitForCacheSync(opts.informers ?? [], signal))) return;
    const workers = Array.from({ length: Math.max(1, opts.workers ?? 1) }, () => runWorker(opts));
    await Promise.all(workers);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function runWorker<K>(opts: RunWorkersOptions<K>): Promise<void> {
  const { queue, logger } = opts;
  const maxRetries = opts.maxRetries ?? 15;
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      const result = await opts.sync(key);
      queue.forget(key);
      if (result && typeof result.requeueAfter === 'number') queue.addAfter(key, result.requeueAfter);
    } catch (err) {
      if (err instanceof TerminalError) {
        queue.forget(key);
        logger?.error({ err, key, controller: opts.name }, 'sync failed terminally; dropping key');
      } else if (queue.numRequeues(key) < maxRetries) {
        logger?.debug({ err, key, controller: opts.name }, 'sync failed; requeueing with backoff');
        queue.addRateLimited(key);
      } else {
        queue.forget(key);
        logger?.warn({ err, key, controller: opts.name, retries: maxRetries }, 'sync kept failing; dropping key');
      }
    } finally {
      queue.done(key);
    }
  }
}

/**
 * Polls until every cache has synced (true) or the signal aborts (false). Polling keeps
 * the contract down to `hasSynced()`, which is all client-go's WaitForCacheSync needs too.
 */
export async function waitForCacheSync(informers: Syncable[], signal?: AbortSignal, pollMs = 50): Promise<boolean> {
  while (!informers.every((i) => i.hasSynced())) {
    if (signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return !signal?.aborted;
}

/**
 * Every etcd call gets a deadline. etcd3 calls can hang forever when the cluster has no
 * quorum (a linearizable read waits for a leader that never comes), so a deadline on the
 * gRPC call alone is not enough: we also race a timer, which guarantees the caller gets a
 * 504 within `timeoutMs` whatever the client library does, and the timer is always cleared.
 */
import { ApiError, errors } from '../errors.ts';

/** An etcd error that means "the data you asked for is gone from etcd's history". */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}

/** An etcd error that means "etcd is unreachable or has no quorum". */
function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const name = err.constructor.name;
  if (/DeadlineExceeded|Unavailable|BrokenCircuit|ClientClosed|Cancelled|Isolated/i.test(name)) return true;
  return /timed out|timeout|no leader|leader changed|not capable|unavailable|deadline|connect|ECONNREFUSED|circuit/i.test(err.message);
}

/** Turns anything an etcd call threw into an ApiError (ApiErrors pass through). */
export function toApiError(err: unknown, what: string): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isUnavailableError(err)) {
    return errors.timeout(`etcd did not complete ${what}: ${message}`);
  }
  return errors.internal(`etcd ${what}: ${message}`, err);
}

/**
 * Runs `call(deadline)` and rejects with 504 once `timeoutMs` has passed. The gRPC deadline
 * handed to `call` makes the underlying request end too, so nothing keeps running behind us.
 */
export async function callWithDeadline<T>(what: string, timeoutMs: number, call: (deadline: Date) => Promise<T>): Promise<T> {
  const deadline = new Date(Date.now() + timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(errors.timeout(`etcd did not complete ${what} within ${timeoutMs}ms`)), timeoutMs);
  });
  const pending = call(deadline);
  // The losing promise must never become an unhandled rejection.
  pending.catch(() => undefined);
  try {
    return await Promise.race([pending, expired]);
  } catch (err) {
    throw isCompactedError(err) ? err : toApiError(err, what);
  } finally {
    clearTimeout(timer);
  }
}

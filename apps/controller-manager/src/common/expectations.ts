/** Expectations older than this are considered stale: the controller syncs anyway. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  dels: number;
  /** Keys ('ns/name') of the objects whose deletion we wait for, when the caller named them. */
  deleteKeys: Set<string> | undefined;
  timestamp: number;
}

/**
 * What a controller has asked the apiserver for and not yet seen in its informer, per
 * controller key (kube's ControllerExpectations plus the UID-tracking deletions of
 * UIDTrackingControllerExpectations). While expectations are pending, sync must not act
 * on the cache: it would not yet show the pods just created and would create them again.
 *
 * Counters go down as the informer observes the creations/deletions, or as the caller
 * lowers them for requests that failed (nothing will ever be observed for those).
 * A key with no record is satisfied: a fresh controller has nothing in flight.
 */
export class ControllerExpectations {
  readonly #records = new Map<string, Expectation>();
  readonly #now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  /** Replaces the key's expectations with `n` creations. */
  expectCreations(key: string, n: number): void {
    this.#records.set(key, { adds: n, dels: 0, deleteKeys: undefined, timestamp: this.#now() });
  }

  /**
   * Replaces the key's expectations with deletions: a count, or the keys ('ns/name') of
   * the objects being deleted, so that only their deletion counts (a pod deleted by
   * someone else at the same moment does not).
   */
  expectDeletions(key: string, n: number | readonly string[]): void {
    const deleteKeys = typeof n === 'number' ? undefined : new Set(n);
    const dels = typeof n === 'number' ? n : deleteKeys!.size;
    this.#records.set(key, { adds: 0, dels, deleteKeys, timestamp: this.#now() });
  }

  /** One creation was observed (or failed and will never be). */
  creationObserved(key: string): void {
    const record = this.#records.get(key);
    if (record) record.adds--;
  }

  /**
   * One deletion was observed (or failed). With `objectKey`, and deletions tracked by key,
   * only an object we were waiting for counts.
   */
  deletionObserved(key: string, objectKey?: string): void {
    const record = this.#records.get(key);
    if (!record) return;
    if (record.deleteKeys && objectKey !== undefined) {
      if (!record.deleteKeys.delete(objectKey)) return;
    }
    record.dels--;
  }

  /** True when nothing is pending for the key, or its expectations are older than the TTL. */
  satisfied(key: string): boolean {
    const record = this.#records.get(key);
    if (!record) return true;
    if (record.adds <= 0 && record.dels <= 0) return true;
    return this.#now() - record.timestamp > EXPECTATIONS_TTL_MS;
  }

  /** What is still pending (for logs and tests). */
  pending(key: string): { adds: number; dels: number } | undefined {
    const record = this.#records.get(key);
    return record ? { adds: record.adds, dels: record.dels } : undefined;
  }

  /** The controller object is gone: forget it. */
  delete(key: string): void {
    this.#records.delete(key);
  }
}

import type { EndpointSlice } from '@skiff/api';

interface Expectation {
  /** Our write's resourceVersion; the cache must have reached it. */
  resourceVersion?: string;
  /** We deleted the slice with this uid; the cache must have dropped it. */
  deletedUid?: string;
  at: number;
}

/** After this long a missing watch event is presumed lost, not late. */
export const TRACKER_TTL_MS = 60_000;

/**
 * kube's endpointSliceTracker, reduced to what a sync needs: which of our own writes the
 * slice cache has not shown yet. Reconciling against a cache that lacks a slice we just
 * created would create a duplicate, so a service whose writes are still in flight waits
 * (its slice events requeue it) instead of acting on stale data.
 */
export class SliceTracker {
  readonly #byService = new Map<string, Map<string, Expectation>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  written(serviceKey: string, slice: EndpointSlice): void {
    const name = slice.metadata?.name;
    if (name) this.#expectations(serviceKey).set(name, { resourceVersion: slice.metadata?.resourceVersion, at: this.#now() });
  }

  deleted(serviceKey: string, slice: EndpointSlice): void {
    const name = slice.metadata?.name;
    if (name) this.#expectations(serviceKey).set(name, { deletedUid: slice.metadata?.uid, at: this.#now() });
  }

  /** True while `cached` (the service's slices in the cache) misses one of our writes. */
  isStale(serviceKey: string, cached: readonly EndpointSlice[]): boolean {
    const expectations = this.#byService.get(serviceKey);
    if (!expectations) return false;
    const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', s]));
    for (const [name, exp] of expectations) {
      const slice = byName.get(name);
      const seen = exp.deletedUid !== undefined ? slice?.metadata?.uid !== exp.deletedUid : slice !== undefined && !olderThan(slice, exp.resourceVersion);
      if (seen || this.#now() - exp.at > TRACKER_TTL_MS) expectations.delete(name);
    }
    if (expectations.size === 0) this.#byService.delete(serviceKey);
    return expectations.size > 0;
  }

  forget(serviceKey: string): void {
    this.#byService.delete(serviceKey);
  }

  #expectations(serviceKey: string): Map<string, Expectation> {
    let map = this.#byService.get(serviceKey);
    if (!map) this.#byService.set(serviceKey, (map = new Map()));
    return map;
  }
}

/** Skiff's resourceVersions are etcd revisions, so numeric order is write order. */
function olderThan(slice: EndpointSlice, resourceVersion: string | undefined): boolean {
  if (!resourceVersion) return false;
  const have = Number(slice.metadata?.resourceVersion);
  const want = Number(resourceVersion);
  return Number.isFinite(have) && Number.isFinite(want) && have < want;
}

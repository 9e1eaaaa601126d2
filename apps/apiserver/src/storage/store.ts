/**
 * The storage contract between the apiserver's verb handlers (registry/) and etcd.
 *
 * Keys are `/registry/<resource>/<namespace>/<name>` (cluster-scoped: no namespace part;
 * non-core groups use `<group>/<resource>` as the resource part only where two groups
 * share a plural, which none of ours do). `metadata.resourceVersion` is the etcd mod
 * revision of the key; a list answers with the header revision. Every write is a
 * compare-and-swap on the mod revision.
 *
 * The store speaks plain JSON objects and throws ApiError from ../errors.ts.
 */
import type { ResourceInfo } from '@skiff/api';

/** Any Kubernetes object as stored: apiVersion, kind, metadata and the rest. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A predicate the store applies while listing/watching (label + field selectors, compiled by the caller). */
export type ObjectFilter = (obj: KubeObject) => boolean;

export interface ListOptions {
  filter?: ObjectFilter;
  /** Page size; 0 or undefined means everything. */
  limit?: number;
  /** Opaque token from a previous page. */
  continue?: string;
  /**
   * '' or undefined: a consistent (quorum) read of the latest state.
   * '0': any state is fine (may be served from the watch cache).
   * 'N' with resourceVersionMatch 'Exact': the state at revision N (410 if compacted).
   */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListResult {
  items: KubeObject[];
  /** The revision the list reflects (etcd header revision, or the continue snapshot's). */
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  filter?: ObjectFilter;
  /**
   * undefined/'' : synthetic ADDED for every current object, then changes after that state.
   * '0'          : same (state from the cache is fine).
   * 'N'          : every change after revision N, in order, exactly once; 410 Gone when N is compacted.
   */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Interval between BOOKMARK events when allowed (default 60 s; tests shorten it). */
  bookmarkIntervalMs?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** The object (DELETED: its last state, with resourceVersion = the delete revision; ERROR: a Status). */
  object: KubeObject | Record<string, unknown>;
}

export interface Preconditions {
  /** The update succeeds only if the stored mod revision equals this (409 Conflict otherwise). */
  resourceVersion?: string;
  /** The operation applies only to the object with this uid (409 Conflict otherwise). */
  uid?: string;
}

/**
 * Read-modify-write: `tryUpdate` receives the current object (a private copy) and returns
 * the object to write, or throws an ApiError to abort. The store retries on a CAS conflict
 * by calling it again with the fresh object, so it must be a pure function of its input.
 * Returning `undefined` means "no change": nothing is written and the current object is returned.
 */
export type UpdateFunc = (current: KubeObject) => KubeObject | undefined | Promise<KubeObject | undefined>;

export interface Store {
  /** Writes a new object; 409 AlreadyExists if the key exists. Returns it with resourceVersion set. */
  create(res: ResourceInfo, obj: KubeObject): Promise<KubeObject>;
  /** 404 NotFound if absent. */
  get(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject>;
  /** namespace undefined on a namespaced resource lists across all namespaces. */
  list(res: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<ListResult>;
  /**
   * Replaces the object (its metadata.name/namespace give the key). With
   * `preconditions.resourceVersion`, a mismatch is 409 Conflict ("the object has been
   * modified; please apply your changes to the latest version and try again").
   */
  update(res: ResourceInfo, obj: KubeObject, preconditions?: Preconditions): Promise<KubeObject>;
  /** Read-modify-write with CAS retries (see UpdateFunc). 404 if absent. */
  guaranteedUpdate(res: ResourceInfo, namespace: string | undefined, name: string, tryUpdate: UpdateFunc, preconditions?: Preconditions): Promise<KubeObject>;
  /** Removes the key; returns the last state with resourceVersion = the delete's revision. */
  delete(res: ResourceInfo, namespace: string | undefined, name: string, preconditions?: Preconditions): Promise<KubeObject>;
  /** Events after the requested state; ends when `signal` aborts. Throws 410 (ApiError) before the first event if too old. */
  watch(res: ResourceInfo, namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /** The current etcd revision (quorum read). */
  currentRevision(): Promise<number>;
  /** True when etcd answers a quorum read within the timeout (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

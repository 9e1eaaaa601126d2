/**
 * The contract between the HTTP layer (http/) and the verb semantics (registry/).
 *
 * The HTTP layer parses the path, query, body and content type, authenticates, and calls
 * one of these; it never touches the store. The registry applies Kubernetes semantics:
 * defaulting, validation, server-set metadata, status/spec separation, deletion with
 * finalizers and grace periods, namespace lifecycle, ClusterIP/NodePort allocation,
 * patches. Everything thrown is an ApiError (../errors.ts).
 */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, WatchEvent } from '../storage/store.ts';

export interface UserInfo {
  username: string;
  groups: string[];
  /** Set for service-account tokens (the ServiceAccount's uid) and CSR requesters. */
  uid?: string;
  /** e.g. `authentication.kubernetes.io/pod-name` and `pod-uid` for a pod-bound token. */
  extra?: Record<string, string[]>;
}

/** Who the apiserver's own writes (bootstrap, the default policy, the kubernetes endpoints, admission) are made as. */
export const APISERVER_USER: UserInfo = Object.freeze({ username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] });

/** Query parameters common to reads, already parsed by the HTTP layer. */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Server-side timeout for the watch, from `timeoutSeconds`. */
  timeoutSeconds?: number;
}

export interface WriteOptions {
  /** `dryRun=All`: validate and answer, write nothing. */
  dryRun?: boolean;
  /** Unknown fields: 'Warn' (the default, as in Kubernetes) drops them with a warning each; 'Ignore' drops them; 'Strict' refuses the write. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  fieldManager?: string;
  user: UserInfo;
  /** Where admission puts its audit annotations: the request's audit event (AdmissionAttributes.auditAnnotations). */
  auditAnnotations?: Record<string, string>;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** Who asks: admission (NodeRestriction...) decides on it. Internal deletes leave it out and skip admission. */
  user?: UserInfo;
}

/** What a write returns: the object and whether it was created (201) or not (200/202). */
export interface WriteResult {
  object: KubeObject;
  created?: boolean;
  /** Delete of an object that stays (finalizers / graceful): 202 in Kubernetes when... we answer 200 like kube does for graceful deletes. */
  pending?: boolean;
  /** Warnings for the client (`unknown field "spec.foo"`): the HTTP layer sends them as Warning headers. */
  warnings?: string[];
}

export interface ApiHandlers {
  get(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject>;
  /** Answers the List object: { apiVersion, kind: '<Kind>List', metadata: { resourceVersion, continue?, remainingItemCount? }, items }. */
  list(res: ResourceInfo, namespace: string | undefined, query: ListQuery): Promise<KubeObject>;
  watch(res: ResourceInfo, namespace: string | undefined, query: WatchQuery, signal: AbortSignal): Promise<AsyncIterable<WatchEvent>>;
  create(res: ResourceInfo, namespace: string | undefined, body: unknown, opts: WriteOptions): Promise<WriteResult>;
  /** PUT: replaces; creates when absent only for kinds that allow create-on-update (none of ours except Lease-like? Kubernetes: Services no, Leases no; return 404). */
  update(res: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): Promise<WriteResult>;
  patch(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts: WriteOptions & { force?: boolean },
  ): Promise<WriteResult>;
  delete(res: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions, user: UserInfo): Promise<WriteResult>;
  deleteCollection(res: ResourceInfo, namespace: string | undefined, query: ListQuery, opts: DeleteOptions, user: UserInfo): Promise<KubeObject>;

  /** status / scale: GET, PUT, PATCH of a subresource. */
  getSubresource(res: ResourceInfo, namespace: string | undefined, name: string, sub: string): Promise<KubeObject>;
  updateSubresource(res: ResourceInfo, namespace: string | undefined, name: string, sub: string, body: unknown, opts: WriteOptions): Promise<WriteResult>;
  patchSubresource(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    sub: string,
    patchType: PatchType,
    patch: unknown,
    opts: WriteOptions,
  ): Promise<WriteResult>;
  /** POST pods/<name>/binding (and POST of a Binding to the pods collection's `bindings`). */
  createSubresource(res: ResourceInfo, namespace: string | undefined, name: string, sub: string, body: unknown, opts: WriteOptions): Promise<WriteResult>;
}

/**
 * ControllerRevision helpers shared by the statefulset and daemonset controllers
 * (Kubernetes' pkg/controller/history, rewritten). A revision stores the owner's pod
 * template as the patch that restores it — `{"spec":{"template":{...,"$patch":"replace"}}}`
 * — which is exactly what `kubectl rollout undo` applies to go back to it.
 */
import { findResourceByKind, sortKeys, type ControllerRevision, type PodTemplateSpec, type ResourceInfo } from '@skiff/api';
import { isAlreadyExists, type KubeObject, type RestClient } from '@skiff/client';
import { safeEncodeString } from '../deployment/util.ts';
import { getControllerOf, newControllerRef, type GroupVersionKind } from './controller-ref.ts';

export const controllerRevisionsResource: ResourceInfo = findResourceByKind('apps/v1', 'ControllerRevision')!;

/** On pods (and DaemonSet revisions): which revision they were made from (apps.ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** On StatefulSet revisions: the hash of their data (history.ControllerRevisionHashLabel). */
export const REVISION_DATA_HASH_LABEL = 'controller.kubernetes.io/hash';

/** What a revision stores for a pod template (upstream's getPatch for both controllers). */
export function templatePatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The template a revision restores (history.ApplyRevision, for the only field revisions carry). */
export function templateOfRevision(revision: ControllerRevision | undefined): PodTemplateSpec | undefined {
  const template = (revision?.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!template) return undefined;
  const { $patch: _, ...rest } = structuredClone(template);
  return rest as PodTemplateSpec;
}

/**
 * The bytes Go's json.Marshal writes for decoded JSON: map keys sorted, and <, >, & and
 * the JavaScript line separators escaped. Revisions are hashed and compared over these
 * bytes, so the same data hashes the same as upstream's.
 */
export function marshalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** FNV-1 (not 1a), 32 bits: Go's fnv.New32, which HashControllerRevision uses. */
export function fnv32(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (const byte of bytes) {
    hash = Math.imul(hash, 0x01000193) >>> 0;
    hash = (hash ^ byte) >>> 0;
  }
  return hash;
}

/**
 * history.HashControllerRevision: FNV-1 over the data's bytes, then the collision count's
 * decimal digits when given, rendered through the safe alphabet ("7b9f5c8d6").
 */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  const encoder = new TextEncoder();
  let hash = fnv32(encoder.encode(marshalJson(data)));
  if (collisionCount !== undefined) hash = fnv32(encoder.encode(String(collisionCount)), hash);
  return safeEncodeString(String(hash));
}

/** `<prefix>-<hash>`, the prefix cut to 223 characters so the name fits in 253. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

export interface NewRevisionOptions {
  parent: KubeObject;
  gvk: GroupVersionKind;
  templateLabels: Record<string, string> | undefined;
  data: unknown;
  revision: number;
  /** The hash in the name and labels (StatefulSet: hashRevisionData; DaemonSet: the template hash). */
  hash: string;
  /** The label carrying the hash. */
  hashLabel: string;
  annotations?: Record<string, string>;
}

/** history.NewControllerRevision: template labels plus the hash, controlled by the parent. */
export function newControllerRevision(opts: NewRevisionOptions): ControllerRevision {
  const labels = { ...(opts.templateLabels ?? {}), [opts.hashLabel]: opts.hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(opts.parent.metadata?.name ?? '', opts.hash),
      namespace: opts.parent.metadata?.namespace,
      labels,
      ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: { ...opts.annotations } } : {}),
      ownerReferences: [newControllerRef(opts.parent, opts.gvk)],
    },
    data: structuredClone(opts.data) as ControllerRevision['data'],
    revision: opts.revision,
  };
}

function createdAt(r: ControllerRevision): number {
  return r.metadata?.creationTimestamp ? Date.parse(r.metadata.creationTimestamp) : 0;
}

/** By revision number; ties by creation time, then name (history.byRevision). */
export function compareRevisions(a: ControllerRevision, b: ControllerRevision): number {
  if (a.revision !== b.revision) return (a.revision ?? 0) - (b.revision ?? 0);
  const diff = createdAt(a) - createdAt(b);
  if (diff !== 0) return diff;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort(compareRevisions);
}

/** The next revision number: one more than the highest (1 for none). */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0) + 1;
}

/** Same data (compared as Go would marshal it), skipping the bytes when the hashes differ. */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined, hashLabel = REVISION_DATA_HASH_LABEL): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata?.labels?.[hashLabel];
  const hb = b.metadata?.labels?.[hashLabel];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return marshalJson(a.data ?? null) === marshalJson(b.data ?? null);
}

/** Every revision equal to `needle`, in the given order. */
export function findEqualRevisions(revisions: readonly ControllerRevision[], needle: ControllerRevision, hashLabel?: string): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle, hashLabel));
}

/** The revisions of a parent: those it controls and orphans its selector matches (ListControllerRevisions). */
export function ownedOrOrphanRevisions(
  revisions: readonly ControllerRevision[],
  parent: KubeObject,
  matches: (labels: Record<string, string>) => boolean,
): ControllerRevision[] {
  return revisions.filter((r) => {
    if (!matches(r.metadata?.labels ?? {})) return false;
    const ref = getControllerOf(r);
    return !ref || ref.uid === parent.metadata?.uid;
  });
}

/**
 * Creates the revision under `<parent>-<hash>`; a name taken by different data is a hash
 * collision: the count goes up and the name is hashed again. Taken by the same data, the
 * existing revision is the answer. Answers the revision and the (maybe raised) count.
 */
export async function createControllerRevision(
  client: Pick<RestClient, 'create' | 'get'>,
  revision: ControllerRevision,
  collisionCount: number,
  hashOf: (count: number) => string,
  hashLabel: string,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const ns = revision.metadata?.namespace;
  const parentName = getControllerOf(revision)?.name ?? '';
  for (let count = collisionCount; ; count++) {
    const hash = hashOf(count);
    const attempt = structuredClone(revision);
    attempt.metadata!.name = controllerRevisionName(parentName, hash);
    attempt.metadata!.labels = { ...(attempt.metadata?.labels ?? {}), [hashLabel]: hash };
    try {
      return { revision: await client.create(controllerRevisionsResource, attempt, { namespace: ns }), collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision>(controllerRevisionsResource, ns, attempt.metadata!.name!);
      if (marshalJson(existing.data ?? null) === marshalJson(attempt.data ?? null)) return { revision: existing, collisionCount: count };
    }
  }
}

/**
 * Which revisions to delete to keep at most `limit` of the unused ones: the oldest first,
 * never one in `live` (the current and update revisions, and those pods still run).
 * Worked example: revisions 1..5, live {4, 5}, limit 2 → unused 1, 2, 3 → delete 1.
 */
export function revisionsToPrune(revisions: readonly ControllerRevision[], live: ReadonlySet<string>, limit: number): ControllerRevision[] {
  const unused = sortRevisions(revisions).filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = unused.length - Math.max(0, limit);
  return excess > 0 ? unused.slice(0, excess) : [];
}

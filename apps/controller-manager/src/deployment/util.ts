/**
 * Pure helpers of the deployment controller (Kubernetes' deployment/util/deployment_util.go,
 * rewritten): replica arithmetic, the pod-template hash, revisions and annotations,
 * finding the new and old ReplicaSets. Nothing here talks to the API.
 */
import type { Deployment, PodTemplateSpec, ReplicaSet } from '@skiff/api';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Deployment annotations that belong to the controller, never copied between Deployment and ReplicaSet. */
const skippedAnnotations = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

export type IntOrString = number | string;

export function replicasOf(obj: Deployment | ReplicaSet | undefined): number {
  return obj?.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, "25%" of `total` rounded up or down.
 * Throws for anything else ("abc", "25", "x%").
 */
export function scaledValueFromIntOrPercent(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const match = /^(-?\d+)%$/.exec(value);
  if (!match) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * The rolling-update fenceposts: how far above `desired` we may go (surge, rounded UP)
 * and how far below (unavailable, rounded DOWN). Rounding this way keeps a rollout
 * moving with small counts: if both came out 0 nothing could change, so unavailable
 * becomes 1.
 *
 * Worked example, desired = 10, maxSurge 25%, maxUnavailable 25%:
 *   surge = ceil(2.5) = 3, unavailable = floor(2.5) = 2 → between 8 and 13 pods.
 * desired = 3 with the same percentages: surge = ceil(0.75) = 1, unavailable = floor(0.75) = 0
 *   → never below 3, at most 4 (one new pod at a time, old ones go as new ones become available).
 * desired = 1, maxSurge 0, maxUnavailable 10%: surge 0, unavailable floor(0.1) = 0 → both 0,
 *   so unavailable = 1 (the single pod is replaced in place).
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Pods the deployment may run above spec.replicas (0 for Recreate). */
export function maxSurgeOf(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

/** Pods the deployment may miss below spec.replicas, never more than spec.replicas. */
export function maxUnavailableOf(d: Deployment): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desired).unavailable, desired);
}

// --- the pod-template hash -------------------------------------------------------------

/**
 * JSON with object keys sorted at every level, so equal templates serialize equally, and
 * with what Go's semantic equality cannot see dropped: nulls, empty lists and empty
 * objects. Without that, `kubectl rollout undo` (which writes back the old RS's template
 * with `creationTimestamp: null` and `resources: {}`) would not recognise the old RS.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(pruneEmpty(value) ?? {});
}

function pruneEmpty(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    // Elements keep their positions: an emptied element becomes {} rather than vanishing.
    const items = value.map((v) => pruneEmpty(v) ?? {});
    return items.length ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const pruned = pruneEmpty((value as Record<string, unknown>)[key]);
      if (pruned !== undefined) out[key] = pruned;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

/** FNV-1a, 32 bits, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Kubernetes' rand.SafeEncodeString alphabet: no vowels (no words), no look-alikes (0/o, 1/l). */
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Each character to safeAlphabet[code % 27], as Kubernetes does with the hash's decimal digits. */
export function safeEncodeString(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += safeAlphabet[text.charCodeAt(i) % safeAlphabet.length];
  return out;
}

/**
 * The pod-template-hash: fnv-1a over the template's canonical JSON, then the collision
 * count (4 bytes, little endian) when set, rendered like Kubernetes' ComputeHash
 * (decimal digits of the 32-bit sum through safeEncodeString, e.g. "5d4f8b9c7").
 */
export function computeTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let hash = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

/** The template without the pod-template-hash label (and without a labels map left empty). */
function withoutHashLabel(template: PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(template ?? {}) as PodTemplateSpec;
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  if (copy.metadata && Object.keys(copy.metadata).length === 0) delete copy.metadata;
  return copy;
}

/** Templates equal apart from the pod-template-hash label: how the new RS is recognised. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}

// --- ordering and finding ReplicaSets --------------------------------------------------

function creationTime(rs: ReplicaSet): number {
  const ts = rs.metadata?.creationTimestamp;
  return ts ? Date.parse(ts) : 0;
}

/** Oldest first; ties by name (controller.ReplicaSetsByCreationTimestamp). */
export function compareByCreation(a: ReplicaSet, b: ReplicaSet): number {
  const diff = creationTime(a) - creationTime(b);
  if (diff !== 0) return diff;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Larger first; ties: newer first when scaling up (ReplicaSetsBySizeNewer). */
export function compareBySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const diff = replicasOf(b) - replicasOf(a);
  return diff !== 0 ? diff : compareByCreation(b, a);
}

/** Larger first; ties: older first when scaling down (ReplicaSetsBySizeOlder). */
export function compareBySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const diff = replicasOf(b) - replicasOf(a);
  return diff !== 0 ? diff : compareByCreation(a, b);
}

/** The oldest ReplicaSet whose template equals the deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(compareByCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one (kube's allOldRSs). */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return newRS ? rsList.filter((rs) => rs.metadata?.name !== newRS.metadata?.name) : [...rsList];
}

export function filterActiveReplicaSets(rsList: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rsList.filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0);
}

// --- counting --------------------------------------------------------------------------

type MaybeRS = ReplicaSet | undefined;

/** Sum of spec.replicas: what the ReplicaSets are asked for. */
export function specReplicaCount(rsList: readonly MaybeRS[]): number {
  return rsList.reduce((sum, rs) => sum + (rs ? replicasOf(rs) : 0), 0);
}

/** Sum of status.replicas: the pods that exist. */
export function actualReplicaCount(rsList: readonly MaybeRS[]): number {
  return rsList.reduce((sum, rs) => sum + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(rsList: readonly MaybeRS[]): number {
  return rsList.reduce((sum, rs) => sum + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(rsList: readonly MaybeRS[]): number {
  return rsList.reduce((sum, rs) => sum + (rs?.status?.availableReplicas ?? 0), 0);
}

// --- revisions and annotations ---------------------------------------------------------

/** The RS's revision annotation as a number (0 when absent or not a number). */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const text = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  const value = text === undefined ? 0 : Number(text);
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

export function maxRevision(rsList: readonly MaybeRS[]): number {
  return rsList.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

/** The second highest revision: what `rollout undo` without --to-revision goes back to. */
export function lastRevision(rsList: readonly MaybeRS[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rsList) {
    const v = revisionOf(rs);
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) {
      second = v;
    }
  }
  return second;
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const text = rs.metadata?.annotations?.[key];
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) ? value : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

/** Sets desired/max-replicas on a mutable RS; answers whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = ((rs.metadata ??= {}).annotations ??= {});
  const want = { [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) };
  let changed = false;
  for (const [key, value] of Object.entries(want)) {
    if (annotations[key] !== value) {
      annotations[key] = value;
      changed = true;
    }
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = rs.metadata?.annotations ?? {};
  return annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Copies the user's deployment annotations onto a mutable RS; answers whether anything changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  const annotations = ((rs.metadata ??= {}).annotations ??= {});
  let changed = false;
  for (const [key, value] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skippedAnnotations.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  return changed;
}

/** Rollback: the deployment takes the RS's user annotations (the template's change-cause, say). */
export function setDeploymentAnnotationsTo(d: Deployment, rs: ReplicaSet): void {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(d.metadata?.annotations ?? {})) if (skippedAnnotations.has(key)) kept[key] = value;
  for (const [key, value] of Object.entries(rs.metadata?.annotations ?? {})) if (!skippedAnnotations.has(key)) kept[key] = value;
  (d.metadata ??= {}).annotations = kept;
}

/**
 * Stamps the new RS (mutable) with the deployment's annotations and `newRevision`. An RS
 * brought back (rollback) gets the new number and remembers its old ones in
 * revision-history ("1,3"), which `kubectl rollout history` shows. A freshly built RS also
 * gets desired/max-replicas. Answers whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = ((rs.metadata ??= {}).annotations ??= {});
  const oldText = annotations[REVISION_ANNOTATION];
  const oldRevision = revisionOf(rs);
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldText !== undefined && oldText !== '') {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${oldText}` : oldText;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurgeOf(d))) changed = true;
  return changed;
}

// --- sizing ----------------------------------------------------------------------------

/** How big the new RS may be now: up to the surge ceiling for RollingUpdate, all at once for Recreate. */
export function newReplicaSetReplicas(d: Deployment, allRSs: readonly MaybeRS[], newRS: ReplicaSet): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d)) return desired;
  const surge = scaledValueFromIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, desired, true);
  const current = specReplicaCount(allRSs);
  const maxTotal = desired + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

/** The RS is the whole deployment: fully sized, annotated for this size, and all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = replicasOf(d);
  return replicasOf(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

/**
 * Proportional scaling: the share of `toAdd` this RS gets, as the size it would have if
 * the whole deployment (replicas + surge) were split in the proportion it had when the RS
 * was last sized (its max-replicas annotation). Kubernetes rounds half away from zero.
 *
 * Example: RSes of 5 and 3 (max-replicas 10 each: 8 + surge 2), deployment scaled 8 → 16,
 * surge 4: new total 20, toAdd = 20 - 8 = 12; 5·20/10 = 10 → +5, 3·20/10 = 6 → +3; the
 * 4 left over go to the largest RS (the first in the sort order) → 14 and 6.
 */
export function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurgeOf(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const size = (replicasOf(rs) * deploymentReplicas) / annotated;
  return roundHalfAwayFromZero(size) - replicasOf(rs);
}

function roundHalfAwayFromZero(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

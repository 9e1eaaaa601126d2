/**
 * Pure rules of the node-lifecycle controller: when a node's heartbeat is stale, what its
 * conditions become, and which taints its Ready condition calls for.
 */
import type { Node, NodeCondition, Taint } from '@skiff/api';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
const MANAGED_TAINT_KEYS = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);

/** The conditions the kubelet owns; when it goes silent they all become Unknown. */
export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export interface HealthTimings {
  gracePeriodMs: number;
  startupGracePeriodMs: number;
}

export interface HeartbeatObservation {
  /** What the kubelet last wrote (lease renewTime + Ready heartbeat), compared by value. */
  signature: string;
  /**
   * When this controller saw the signature change, on its own clock: like kube's
   * probeTimestamp, so a kubelet with a skewed clock is judged by when we heard from it.
   */
  observedAtMs: number;
}

export function readyConditionOf(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The heartbeat signature of a node: changes whenever its kubelet renews the lease or posts status. */
export function heartbeatSignature(node: Node, leaseRenewTime: string | undefined): string {
  return `${leaseRenewTime ?? ''}|${readyConditionOf(node)?.lastHeartbeatTime ?? ''}`;
}

/** Records a heartbeat observation: a changed signature restarts the grace period. */
export function observeHeartbeat(prev: HeartbeatObservation | undefined, signature: string, nowMs: number): HeartbeatObservation {
  if (prev && prev.signature === signature) return prev;
  return { signature, observedAtMs: nowMs };
}

/** What the controller reads of a node's Lease: when its kubelet last renewed it, and for how long. */
export interface LeaseHeartbeat {
  renewTime?: string;
  leaseDurationSeconds?: number;
}

/** The lease duration a Lease without one is taken to have: the kubelet's default. */
const DEFAULT_LEASE_DURATION_MS = 40_000;

export interface HeartbeatStamp {
  /** When the kubelet stamped it, on the kubelet's clock. */
  atMs: number;
  /** When it stopped vouching for the node. */
  expiresAtMs: number;
}

/**
 * The kubelet's newest heartbeat by its own stamps: a Lease renewal lasts the lease duration, a
 * Ready heartbeat the grace period, and a node that never posted status counts from its creation
 * with the startup grace (as kube counts such nodes). The one that expires last wins; undefined
 * when nothing carries a time.
 */
export function lastHeartbeatStamp(node: Node, lease: LeaseHeartbeat | undefined, timings: HealthTimings): HeartbeatStamp | undefined {
  const stamps: HeartbeatStamp[] = [];
  const add = (time: string | undefined, validForMs: number) => {
    const atMs = time ? Date.parse(time) : Number.NaN;
    if (Number.isFinite(atMs)) stamps.push({ atMs, expiresAtMs: atMs + validForMs });
  };
  const leaseMs = lease?.leaseDurationSeconds ? lease.leaseDurationSeconds * 1000 : DEFAULT_LEASE_DURATION_MS;
  add(lease?.renewTime, leaseMs);
  const ready = readyConditionOf(node);
  add(ready?.lastHeartbeatTime, timings.gracePeriodMs);
  if (!ready) add(node.metadata?.creationTimestamp, timings.startupGracePeriodMs);
  return stamps.reduce<HeartbeatStamp | undefined>((best, s) => (!best || s.expiresAtMs > best.expiresAtMs ? s : best), undefined);
}

/**
 * The first observation of a node this controller has not seen yet. As in kube it is "now": the
 * kubelet's clock is not trusted, and a controller restart must not flap healthy nodes. Except when
 * the node's own last heartbeat had already expired more than a grace period before we looked — the
 * cluster was down and its kubelet is gone (`skiff down; skiff up`): then the observation is
 * backdated to that heartbeat, so the first pass marks the node Unknown instead of leaving it
 * looking Ready, and offered to the scheduler, for one more grace period. A kubelet whose clock
 * lags by more than lease + grace is marked Unknown once and back to Ready by its next status post.
 */
export function firstObservation(signature: string, stamp: HeartbeatStamp | undefined, nowMs: number, timings: HealthTimings): HeartbeatObservation {
  const longExpired = stamp !== undefined && nowMs - stamp.expiresAtMs > timings.gracePeriodMs;
  return { signature, observedAtMs: longExpired ? stamp.atMs : nowMs };
}

/**
 * Milliseconds until the node counts as silent (≤ 0: it already does). A node that has never
 * posted a Ready condition gets the (longer) startup grace period, so a slow first boot is
 * not mistaken for a dead kubelet.
 */
export function msUntilStale(node: Node, obs: HeartbeatObservation, nowMs: number, timings: HealthTimings): number {
  const grace = readyConditionOf(node) ? timings.gracePeriodMs : timings.startupGracePeriodMs;
  return obs.observedAtMs + grace - nowMs;
}

/**
 * The conditions of a node whose kubelet went silent: every kubelet-owned condition becomes
 * Unknown (heartbeat kept, transition time now when the status changes). Undefined when they
 * already are, so the controller writes once.
 */
export function markConditionsUnknown(node: Node, now: Date): NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  const nowText = now.toISOString().replace(/\.\d+Z$/, 'Z');
  let changed = false;
  const next = current.map((c) => {
    if (!(KUBELET_CONDITIONS as readonly string[]).includes(c.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowText };
  });
  for (const type of KUBELET_CONDITIONS) {
    if (current.some((c) => c.type === type)) continue;
    changed = true;
    next.push({
      type,
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: nowText,
      lastTransitionTime: nowText,
    });
  }
  return changed ? next : undefined;
}

/** Taints the Ready condition calls for: Unknown → unreachable, False → not-ready, each NoSchedule + NoExecute. */
export function desiredTaintKeys(ready: NodeCondition | undefined): string[] {
  if (!ready || ready.status === 'Unknown') return ready ? [TAINT_UNREACHABLE] : [];
  if (ready.status === 'False') return [TAINT_NOT_READY];
  return [];
}

/**
 * The node's taints with our managed ones set to `keys` (both effects each): others' taints
 * untouched, ours kept with their timeAdded, new NoExecute ones stamped now (eviction
 * counts tolerationSeconds from it). Undefined when nothing changes.
 */
export function reconcileTaints(current: readonly Taint[], keys: readonly string[], now: Date): Taint[] | undefined {
  const want = new Set(keys.flatMap((k) => [`${k}:NoSchedule`, `${k}:NoExecute`]));
  const next: Taint[] = [];
  let changed = false;
  const have = new Set<string>();
  for (const t of current) {
    const id = `${t.key}:${t.effect}`;
    if (MANAGED_TAINT_KEYS.has(t.key) && !want.has(id)) {
      changed = true;
      continue;
    }
    have.add(id);
    next.push(t);
  }
  const nowText = now.toISOString().replace(/\.\d+Z$/, 'Z');
  for (const id of want) {
    if (have.has(id)) continue;
    changed = true;
    const [key, effect] = id.split(':') as [string, string];
    next.push(effect === 'NoExecute' ? { key, effect, timeAdded: nowText } : { key, effect });
  }
  return changed ? next : undefined;
}

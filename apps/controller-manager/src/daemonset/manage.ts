/**
 * The DaemonSet's manage step (upstream's manage, podsShouldBeOnNode and syncNodes): one
 * daemon pod on every node that should run one, none elsewhere, failed ones replaced
 * with a per-node backoff, duplicates removed; pods are created through the scheduler
 * with a required affinity for their node.
 */
import type { DaemonSet, Node, Pod } from '@skiff/api';
import { ApiStatusError, type EventRecorder, type RestClient } from '@skiff/client';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.ts';
import type { ControllerExpectations } from '../common/expectations.ts';
import { buildPodFromTemplate, deletePod, podsResource } from '../common/pod-control.ts';
import { slowStartBatch } from '../replicaset/util.ts';
import type { FailedPodBackoff } from './failed-pod-backoff.ts';
import { daemonSetGvk } from './history.ts';
import { affinityForNode, nodeShouldRunDaemonPod, withDaemonTolerations } from './node-eligibility.ts';

/** At most this many creations or deletions per pass (upstream's BurstReplicas). */
export const BURST_REPLICAS = 250;
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

export interface ManageDeps {
  client: Pick<RestClient, 'create' | 'delete'>;
  recorder: Pick<EventRecorder, 'event'>;
  expectations: ControllerExpectations;
  backoff: FailedPodBackoff;
  now: () => Date;
}

/** What one pass wants done: pods to delete, nodes to create a pod on, and when to look again. */
export interface NodePlan {
  podsToDelete: Pod[];
  nodesNeedingPods: string[];
  requeueAfter?: number;
}

export function allowsSurge(ds: DaemonSet): boolean {
  const surge = ds.spec?.updateStrategy?.type !== 'OnDelete' ? ds.spec?.updateStrategy?.rollingUpdate?.maxSurge : undefined;
  return surge !== undefined && surge !== 0 && surge !== '0%';
}

function byCreation(a: Pod, b: Pod): number {
  const diff = Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? '');
  return diff !== 0 && !Number.isNaN(diff) ? diff : (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Of several running pods on one node, which go: all but the oldest (with surge: all but the oldest updated and the oldest old one). */
function surplusPods(ds: DaemonSet, running: Pod[], hash: string): Pod[] {
  if (running.length <= 1) return [];
  const sorted = [...running].sort(byCreation);
  if (!allowsSurge(ds)) return sorted.slice(1);
  const keep = new Set<Pod>();
  const updated = sorted.find((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash);
  const old = sorted.find((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hash);
  if (updated) keep.add(updated);
  if (old) keep.add(old);
  return sorted.filter((p) => !keep.has(p));
}

/** podsShouldBeOnNode for every node, plus the pods whose node is gone. */
export function planNodes(
  deps: Pick<ManageDeps, 'recorder' | 'backoff' | 'now'>,
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToPods: ReadonlyMap<string, Pod[]>,
  hash: string,
): NodePlan {
  const plan: NodePlan = { podsToDelete: [], nodesNeedingPods: [] };
  const now = deps.now().getTime();
  const known = new Set<string>();
  for (const node of nodes) {
    const nodeName = node.metadata?.name ?? '';
    known.add(nodeName);
    const pods = nodeToPods.get(nodeName) ?? [];
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    if (shouldRun && pods.length === 0) {
      plan.nodesNeedingPods.push(nodeName);
    } else if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') {
          const key = `${ds.metadata?.uid}/${nodeName}`;
          const wait = deps.backoff.remaining(key, now);
          if (wait > 0) {
            plan.requeueAfter = Math.min(plan.requeueAfter ?? wait, wait);
            continue;
          }
          deps.backoff.next(key, now);
          deps.recorder.event(
            ds,
            'Warning',
            'FailedDaemonPod',
            `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}, will try to kill it`,
          );
          plan.podsToDelete.push(pod);
        } else if (pod.status?.phase === 'Succeeded') {
          plan.podsToDelete.push(pod);
        } else {
          running.push(pod);
        }
      }
      plan.podsToDelete.push(...surplusPods(ds, running, hash));
    } else {
      plan.podsToDelete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
    }
  }
  for (const [nodeName, pods] of nodeToPods) {
    if (!known.has(nodeName)) plan.podsToDelete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
  }
  return plan;
}

/** The pod a DaemonSet makes for a node: template + hash and generation labels + daemon tolerations + node affinity. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const pod = buildPodFromTemplate(ds.metadata?.namespace ?? '', ds.spec?.template, ds, daemonSetGvk);
  pod.metadata!.labels = { ...pod.metadata!.labels, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 1), [CONTROLLER_REVISION_HASH_LABEL]: hash };
  const spec = pod.spec ?? { containers: [] };
  spec.tolerations = withDaemonTolerations(spec.tolerations, Boolean(spec.hostNetwork));
  spec.affinity = affinityForNode(spec.affinity, nodeName);
  pod.spec = spec;
  return pod;
}

function messageOf(err: unknown): string {
  if (err instanceof ApiStatusError) return err.status.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/** syncNodes: deletes then creates (each capped at BURST_REPLICAS), creations under expectations. */
export async function syncNodes(
  deps: ManageDeps,
  ds: DaemonSet,
  key: string,
  podsToDelete: readonly Pod[],
  nodesNeedingPods: readonly string[],
  hash: string,
): Promise<void> {
  const errors: unknown[] = [];
  await Promise.all(
    podsToDelete.slice(0, BURST_REPLICAS).map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      try {
        if (await deletePod(deps.client, pod.metadata?.namespace ?? '', name)) deps.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        deps.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`);
        errors.push(err);
      }
    }),
  );
  const nodes = nodesNeedingPods.slice(0, BURST_REPLICAS);
  if (nodes.length > 0) {
    deps.expectations.expectCreations(key, nodes.length);
    let next = 0;
    const { successes, error } = await slowStartBatch(nodes.length, 1, async () => {
      const pod = newDaemonPod(ds, nodes[next++], hash);
      try {
        const created = await deps.client.create<Pod>(podsResource, pod, { namespace: ds.metadata?.namespace });
        deps.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      } catch (err) {
        if (err instanceof ApiStatusError && (err.code === 504 || err.reason === 'Timeout')) return;
        deps.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`);
        throw err;
      }
    });
    for (let i = successes; i < nodes.length; i++) deps.expectations.creationObserved(key);
    if (error !== undefined) errors.push(error);
  }
  if (errors.length > 0) throw errors[0];
}

/** Claimed pods grouped by the node they are (or are meant to be) on. */
export function groupPodsByNode(pods: readonly Pod[], nodeOf: (pod: Pod) => string | undefined): Map<string, Pod[]> {
  const map = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = nodeOf(pod);
    if (node === undefined) continue;
    const list = map.get(node);
    if (list) list.push(pod);
    else map.set(node, [pod]);
  }
  return map;
}

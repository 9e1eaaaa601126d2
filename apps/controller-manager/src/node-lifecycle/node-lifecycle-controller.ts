/**
 * node-lifecycle: watches node heartbeats (Leases in kube-node-lease and the Ready
 * condition), marks silent nodes Unknown, taints them, and evicts their pods once the pods'
 * tolerations run out, so ReplicaSets replace them elsewhere. A node that comes back is
 * untainted. The per-node logic is NodeLifecycleSyncer; this file wires informers and queue.
 */
import type { Lease, Node, Pod } from '@skiff/api';
import { runWorkers, WorkQueue } from '@skiff/client';
import type { Controller, ControllerContext } from '../controller.ts';
import { readyConditionOf } from './node-health.ts';
import { NODE_LEASE_NAMESPACE, NodeLifecycleSyncer, leasesResource, nodesResource, podsResource } from './node-lifecycle-syncer.ts';

/** Pods matter to this controller only on nodes that are not plainly healthy. */
function nodeNeedsPodAttention(node: Node | undefined): boolean {
  if (!node) return false;
  if (readyConditionOf(node)?.status !== 'True') return true;
  return (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
}

export function newNodeLifecycleController(): Controller {
  return {
    name: 'node-lifecycle',
    async run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
      const nodes = ctx.informers.informerFor<Node>(nodesResource);
      const leases = ctx.informers.informerFor<Lease>(leasesResource, { namespace: NODE_LEASE_NAMESPACE });
      const pods = ctx.informers.informerFor<Pod>(podsResource);
      const logger = ctx.logger.child({ controller: 'node-lifecycle' });
      const syncer = new NodeLifecycleSyncer({
        client: ctx.client,
        nodes, leases, pods,
        recorder: ctx.recorder,
        logger,
        timings: {
          gracePeriodMs: ctx.config.nodeMonitorGracePeriodSeconds * 1000,
          startupGracePeriodMs: ctx.config.nodeStartupGracePeriodSeconds * 1000,
        },
        now: () => new Date(),
      });
      const queue = new WorkQueue<string>();
      const enqueue = (name: string | undefined) => { if (name) queue.add(name); };
      const onPod = (pod: Pod) => {
        const nodeName = pod.spec?.nodeName;
        if (nodeName && nodeNeedsPodAttention(nodes.get(undefined, nodeName))) queue.add(nodeName);
      };

      nodes.onAdd((n) => enqueue(n.metadata?.name));
      nodes.onUpdate((old, n) => { if (old.metadata?.resourceVersion !== n.metadata?.resourceVersion) enqueue(n.metadata?.name); });
      nodes.onDelete((n) => enqueue(n.metadata?.name));
      // A renewal is a heartbeat: the node's grace period restarts from it.
      leases.onAdd((l) => enqueue(l.metadata?.name));
      leases.onUpdate((_old, l) => enqueue(l.metadata?.name));
      pods.onAdd(onPod);
      pods.onUpdate((_old, p) => onPod(p));

      if (!(await ctx.informers.waitForSync(signal))) return;
      await runWorkers({
        queue,
        sync: (name) => syncer.sync(name),
        workers: ctx.config.workers['node-lifecycle'] ?? 5,
        informers: [nodes, leases, pods],
        signal, logger, name: 'node-lifecycle',
      });
    },
  };
}

/**
 * node-lifecycle: watches node heartbeats (Leases in kube-node-lease and the Ready
 * condition), marks silent nodes Unknown, taints them, and evicts their pods once the pods'
 * tolerations run out, so ReplicaSets replace them elsewhere. A node that comes back is
 * untainted. The per-node logic is NodeLifecycleSyncer; this file declares what it watches.
 */
import type { Lease, Node, Pod } from '@skiff/api';
import { enqueueObject, watch } from '@skiff/client';
import { keyedController, type Controller } from '../controller.ts';
import { readyConditionOf } from './node-health.ts';
import { NODE_LEASE_NAMESPACE, NodeLifecycleSyncer, leasesResource, nodesResource, podsResource } from './node-lifecycle-syncer.ts';

/** Pods matter to this controller only on nodes that are not plainly healthy. */
function nodeNeedsPodAttention(node: Node | undefined): boolean {
  if (!node) return false;
  if (readyConditionOf(node)?.status !== 'True') return true;
  return (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
}

export function newNodeLifecycleController(): Controller {
  return keyedController('node-lifecycle', 5, (ctx) => {
    const nodes = ctx.informers.informerFor<Node>(nodesResource);
    const leases = ctx.informers.informerFor<Lease>(leasesResource, { namespace: NODE_LEASE_NAMESPACE });
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const syncer = new NodeLifecycleSyncer({
      client: ctx.client,
      nodes,
      leases,
      pods,
      recorder: ctx.recorder,
      logger: ctx.logger,
      timings: {
        gracePeriodMs: ctx.config.nodeMonitorGracePeriodSeconds * 1000,
        startupGracePeriodMs: ctx.config.nodeStartupGracePeriodSeconds * 1000,
      },
      now: () => new Date(),
    });
    const leaseName = (lease: Lease) => lease.metadata?.name;
    const podNode = (pod: Pod) => {
      const nodeName = pod.spec?.nodeName;
      return nodeName && nodeNeedsPodAttention(nodes.get(undefined, nodeName)) ? nodeName : undefined;
    };
    return {
      watches: [
        watch(nodes, enqueueObject()),
        // A renewal is a heartbeat: the node's grace period restarts from it.
        watch(leases, { add: leaseName, update: (_old, lease) => leaseName(lease) }),
        watch(pods, { add: podNode, update: (_old, pod) => podNode(pod) }),
      ],
      // Each pass answers when to look again (a grace period or toleration running out).
      sync: (name) => syncer.sync(name),
    };
  });
}

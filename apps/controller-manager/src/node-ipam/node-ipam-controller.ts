/**
 * node-ipam: gives every Node a pod CIDR (spec.podCIDR / spec.podCIDRs) carved out of the
 * cluster CIDR, like kube-controller-manager's range allocator. Hollow kubelets wait for it
 * before handing out pod IPs.
 */
import { findResource, type Node } from '@skiff/api';
import { isNotFound, watch, type EventRecorder, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';
import { CidrAllocator } from './cidr-allocator.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;

interface NodeLister {
  get(namespace: string | undefined, name: string): Node | undefined;
}

export interface NodeIpamDeps {
  client: Pick<RestClient, 'patch'>;
  nodes: NodeLister;
  allocator: CidrAllocator;
  logger: Logger;
  recorder?: Pick<EventRecorder, 'event'>;
}

/**
 * The allocator's view of which subnets are taken comes from the informer's handlers
 * (`observe` / `forget`), so it is complete once the node cache has synced; `sync` then
 * only has to hand out subnets to nodes that lack one.
 */
export class NodeIpamSyncer {
  readonly #deps: NodeIpamDeps;
  /** cidr → node holding it, so a deleted node frees only what is really its own. */
  readonly #owners = new Map<string, string>();

  constructor(deps: NodeIpamDeps) {
    this.#deps = deps;
  }

  /** Records a node's existing CIDR. Returns whether the node still needs one. */
  observe(node: Node): boolean {
    const name = node.metadata?.name ?? '';
    const cidrs = podCidrsOf(node);
    for (const cidr of cidrs) {
      if (this.#deps.allocator.occupy(cidr)) this.#owners.set(cidr, name);
    }
    return cidrs.length === 0;
  }

  forget(node: Node): void {
    const name = node.metadata?.name ?? '';
    for (const cidr of podCidrsOf(node)) {
      if (this.#owners.get(cidr) !== name) continue;
      this.#owners.delete(cidr);
      this.#deps.allocator.release(cidr);
    }
  }

  async sync(name: string): Promise<void> {
    const node = this.#deps.nodes.get(undefined, name);
    if (!node || node.metadata?.deletionTimestamp) return;
    if (!this.observe(node)) return;
    const cidr = this.#deps.allocator.allocateNext();
    if (!cidr) {
      // Kubernetes refers to nodes in events with uid = name (the kubelet does the same).
      this.#deps.recorder?.event(
        { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } },
        'Warning',
        'CIDRNotAvailable',
        `Node ${name} status is now: CIDRNotAvailable`,
      );
      throw new Error(`node ${name}: no pod CIDR left in the cluster CIDR`);
    }
    this.#owners.set(cidr, name);
    try {
      await this.#deps.client.patch(nodesResource, undefined, name, 'merge', {
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
      this.#deps.logger.info({ node: name, podCIDR: cidr }, 'assigned pod CIDR');
    } catch (err) {
      this.#owners.delete(cidr);
      this.#deps.allocator.release(cidr);
      if (isNotFound(err)) return;
      throw new Error(`node ${name}: patch pod CIDR ${cidr}`, { cause: err });
    }
  }
}

function podCidrsOf(node: Node): string[] {
  const spec = node.spec ?? {};
  const cidrs = new Set<string>(spec.podCIDRs ?? []);
  if (spec.podCIDR) cidrs.add(spec.podCIDR);
  return [...cidrs];
}

export function newNodeIpamController(): Controller {
  return keyedController('node-ipam', 1, (ctx) => {
    const nodes = ctx.informers.informerFor<Node>(nodesResource);
    const allocator = new CidrAllocator(ctx.config.clusterCidr, ctx.config.nodeCidrMaskSize);
    const syncer = new NodeIpamSyncer({ client: ctx.client, nodes, allocator, logger: ctx.logger, recorder: ctx.recorder });
    // Every node's CIDR is recorded as it arrives; only nodes without one are queued.
    const observe = (node: Node) => (syncer.observe(node) ? node.metadata?.name : undefined);
    return {
      watches: [watch(nodes, { add: observe, update: (_old, node) => observe(node), delete: (node) => syncer.forget(node) })],
      sync: (key) => syncer.sync(key),
    };
  });
}

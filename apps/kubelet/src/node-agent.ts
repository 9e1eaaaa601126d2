/**
 * A kubelet's Node in the API (kubelet's node status manager and lease controller): registers
 * the Node, renews its Lease, posts node status when it changes, and — for hollow nodes, which
 * live only in their process — deregisters. It reads the Node from an informer (`getNode`): the
 * Docker node's own, or the one a hollow process shares among its nodes.
 */
import { findResource, type Lease, type Node } from '@skiff/api';
import { isAlreadyExists, isConflict, isNotFound, microTime, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { buildNode, buildNodeStatus, nodeStatusChanged, type NodeShape } from './node-status.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;
const leasesResource = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
/** kubelet's nodeStatusReportFrequency: an unchanged status is still re-posted this often. */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

export interface NodeAgentOptions {
  shape: NodeShape;
  client: Pick<RestClient, 'get' | 'create' | 'update' | 'patch' | 'delete'>;
  /** The node as the shared node informer sees it. */
  getNode: () => Node | undefined;
  logger: Logger;
  now?: () => Date;
}

export class NodeAgent {
  readonly name: string;
  readonly #opts: NodeAgentOptions;
  readonly #now: () => Date;
  #lease: Lease | undefined;
  #lastStatusPostMs = 0;

  constructor(opts: NodeAgentOptions) {
    this.#opts = opts;
    this.name = opts.shape.name;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Creates the Node (an existing one is kept, as the kubelet does on restart). */
  async register(): Promise<void> {
    try {
      await this.#opts.client.create(nodesResource, buildNode(this.#opts.shape, this.#now()));
      this.#lastStatusPostMs = this.#now().getTime();
    } catch (err) {
      if (!isAlreadyExists(err)) throw new Error(`node ${this.name}: register`, { cause: err });
      await this.syncNodeStatus(true);
    }
  }

  /** Renews kube-node-lease/<node>: an update of the lease we hold, re-read on conflict, created when missing. */
  async renewLease(): Promise<void> {
    const renewTime = microTime(this.#now());
    if (this.#lease) {
      try {
        this.#lease = await this.#opts.client.update(leasesResource, {
          ...this.#lease,
          spec: { ...this.#lease.spec, holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
        });
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw new Error(`node ${this.name}: renew lease`, { cause: err });
        this.#lease = undefined;
      }
    }
    try {
      const current = await this.#opts.client.get<Lease>(leasesResource, NODE_LEASE_NAMESPACE, this.name);
      this.#lease = await this.#opts.client.update(leasesResource, {
        ...current,
        spec: { ...current.spec, holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
      });
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`node ${this.name}: renew lease`, { cause: err });
      const node = this.#opts.getNode();
      this.#lease = await this.#opts.client.create<Lease>(
        leasesResource,
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.name,
            namespace: NODE_LEASE_NAMESPACE,
            // Owned by the Node, so the garbage collector removes it with the node.
            ...(node?.metadata?.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid }] } : {}),
          },
          spec: { holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime, acquireTime: renewTime },
        },
        { namespace: NODE_LEASE_NAMESPACE },
      );
    }
  }

  /** Posts node status when it differs from the server's, or every NODE_STATUS_REPORT_MS anyway. Returns whether it wrote. */
  async syncNodeStatus(force = false): Promise<boolean> {
    const node = this.#opts.getNode();
    const now = this.#now();
    const desired = buildNodeStatus(this.#opts.shape, node?.status, now);
    const due = now.getTime() - this.#lastStatusPostMs >= NODE_STATUS_REPORT_MS;
    if (!force && node && !due && !nodeStatusChanged(node.status, desired)) return false;
    await this.#opts.client.patch(nodesResource, undefined, this.name, 'merge', { status: desired }, { subresource: 'status' });
    this.#lastStatusPostMs = now.getTime();
    return true;
  }

  /**
   * Takes this node out of the cluster on a clean stop: its Node — only the one it registered (a
   * uid precondition spares a successor's) — and its Lease. Gone already is fine.
   */
  async deregister(): Promise<void> {
    const uid = this.#opts.getNode()?.metadata?.uid;
    const gone = (err: unknown) => {
      if (!isNotFound(err) && !isConflict(err)) throw new Error(`node ${this.name}: deregister`, { cause: err });
    };
    await this.#opts.client.delete(nodesResource, undefined, this.name, uid ? { preconditions: { uid } } : {}).catch(gone);
    await this.#opts.client.delete(leasesResource, NODE_LEASE_NAMESPACE, this.name).catch(gone);
  }
}

/**
 * One hollow node: registers its Node, renews its Lease, posts node status when it changes,
 * and runs the pods bound to it in its ContainerRuntime. It reads only from the process's
 * shared caches (handed in as `getNode`); the HollowKubelet dispatches events to it.
 */
import { findResource, type Lease, type Node, type Pod } from '@skiff/api';
import { isAlreadyExists, isConflict, isNotFound, microTime, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, podLabels, type ContainerRuntime, type PodSandboxConfig } from './container-runtime.ts';
import { buildNode, buildNodeStatus, nodeStatusChanged, type NodeShape } from './node-status.ts';
import { computePodActions } from './pod-actions.ts';
import { buildRunningPodStatus, podStatusNeedsUpdate } from './pod-status.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;
const podsResource = findResource('', 'v1', 'pods')!;
const leasesResource = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
/** kubelet's nodeStatusReportFrequency: an unchanged status is still re-posted this often. */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

export interface NodeAgentOptions {
  shape: NodeShape;
  client: Pick<RestClient, 'get' | 'create' | 'update' | 'patch' | 'delete'>;
  runtime: ContainerRuntime;
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
  #podCidr = '';

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
        this.#lease = await this.#opts.client.update(leasesResource, { ...this.#lease, spec: { ...this.#lease.spec, holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime } });
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw new Error(`node ${this.name}: renew lease`, { cause: err });
        this.#lease = undefined;
      }
    }
    try {
      const current = await this.#opts.client.get<Lease>(leasesResource, NODE_LEASE_NAMESPACE, this.name);
      this.#lease = await this.#opts.client.update(leasesResource, { ...current, spec: { ...current.spec, holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime } });
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`node ${this.name}: renew lease`, { cause: err });
      const node = this.#opts.getNode();
      this.#lease = await this.#opts.client.create<Lease>(leasesResource, {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name: this.name, namespace: NODE_LEASE_NAMESPACE,
          // Owned by the Node, so the garbage collector removes it with the node.
          ...(node?.metadata?.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: node.metadata.uid }] } : {}),
        },
        spec: { holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime, acquireTime: renewTime },
      }, { namespace: NODE_LEASE_NAMESPACE });
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

  /** The pod CIDR, pushed into the runtime the first time it shows up on the Node. */
  async ensurePodCidr(): Promise<boolean> {
    const cidr = this.#opts.getNode()?.spec?.podCIDR;
    if (!cidr) return false;
    if (cidr !== this.#podCidr) {
      await this.#opts.runtime.updateRuntimeConfig({ podCidr: cidr });
      this.#podCidr = cidr;
    }
    return true;
  }

  /** Runs one pass for a pod bound to this node: kill, or start and report. */
  async syncPod(pod: Pod): Promise<SyncResult> {
    const { runtime } = this.#opts;
    const meta = pod.metadata!;
    const key = `${meta.namespace}/${meta.name}`;
    // Step 1: sandboxes of an older pod with the same name are gone for good.
    const sameName = await runtime.listPodSandboxes({ labels: { [LABEL_POD_NAME]: meta.name!, [LABEL_POD_NAMESPACE]: meta.namespace! } });
    for (const s of sameName.filter((s) => s.metadata.uid !== meta.uid)) await runtime.removePodSandbox(s.id);
    const sandboxes = sameName.filter((s) => s.metadata.uid === meta.uid);
    const containers = (await Promise.all(sandboxes.map((s) => runtime.listContainers({ podSandboxId: s.id })))).flat();
    const actions = computePodActions(pod, sandboxes, containers);

    // Step 2: kill.
    if (actions.killPod) for (const s of sandboxes) await runtime.removePodSandbox(s.id);
    if (meta.deletionTimestamp) return this.confirmDeletion(pod);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;

    // Step 3: a sandbox, once the node has its pod CIDR (host network pods need none).
    const hostNetwork = Boolean(pod.spec?.hostNetwork);
    let sandboxId = actions.createSandbox ? undefined : sandboxes.find((s) => s.state === 'SANDBOX_READY')?.id;
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: meta.name!, namespace: meta.namespace!, uid: meta.uid!, attempt: actions.attempt },
      hostname: pod.spec?.hostname ?? meta.name!, labels: podLabels({ name: meta.name!, namespace: meta.namespace!, uid: meta.uid! }), hostNetwork,
    };
    if (!sandboxId) {
      if (!hostNetwork && !(await this.ensurePodCidr())) return { requeueAfter: 1000 };
      sandboxId = await runtime.runPodSandbox(sandboxConfig);
      this.#opts.logger.debug({ pod: key, node: this.name, reason: actions.reason }, 'created pod sandbox');
    }

    // Step 4: containers.
    for (const name of actions.containersToStart) {
      const spec = pod.spec!.containers.find((c) => c.name === name)!;
      const existing = containers.find((c) => c.podSandboxId === sandboxId && c.name === name && c.state === 'CONTAINER_CREATED');
      const id = existing?.id ?? await runtime.createContainer(sandboxId, {
        name, image: spec.image ?? '', command: spec.command, args: spec.args, attempt: 0,
        labels: { ...sandboxConfig.labels, [LABEL_CONTAINER_NAME]: name },
      }, sandboxConfig);
      await runtime.startContainer(id);
    }

    // Step 5: report, when the server's view differs.
    const sandbox = await runtime.podSandboxStatus(sandboxId);
    if (!sandbox) return { requeueAfter: 100 };
    const statuses = await Promise.all((await runtime.listContainers({ podSandboxId: sandboxId })).map((c) => runtime.containerStatus(c.id)));
    const hostIP = this.#opts.shape.internalIp;
    const status = buildRunningPodStatus(pod, hostIP, hostNetwork ? { ...sandbox, ip: hostIP } : sandbox, statuses.filter((s) => s !== undefined));
    if (!podStatusNeedsUpdate(pod.status, status)) return;
    try {
      await this.#opts.client.patch(podsResource, meta.namespace, meta.name!, 'merge', { status }, { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** The containers are gone: tell the apiserver it can remove the pod now (a uid precondition guards a same-name successor). */
  async confirmDeletion(pod: Pod): Promise<SyncResult> {
    const meta = pod.metadata!;
    try {
      await this.#opts.client.delete(podsResource, meta.namespace, meta.name!, { gracePeriodSeconds: 0, preconditions: { uid: meta.uid } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
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

  /** The pod is gone from the apiserver: remove whatever the runtime still holds for it. */
  async cleanupPod(namespace: string, name: string): Promise<void> {
    const sandboxes = await this.#opts.runtime.listPodSandboxes({ labels: { [LABEL_POD_NAME]: name, [LABEL_POD_NAMESPACE]: namespace } });
    for (const s of sandboxes) await this.#opts.runtime.removePodSandbox(s.id);
  }
}

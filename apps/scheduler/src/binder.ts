import { findResourceByKind, type Binding, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';
import { ANN_SELECTED_NODE } from './filters/volume-binding.ts';

const pods = findResourceByKind('v1', 'Pod')!;
const claims = findResourceByKind('v1', 'PersistentVolumeClaim')!;

/** What the scheduler writes to the API: a binding, or why a pod cannot be placed. */
export interface Binder {
  bind(pod: Pod, nodeName: string): Promise<void>;
  /**
   * PodScheduled=False with the message; with nominatedNodeName, status.nominatedNodeName in
   * the same patch ('' clears it), as upstream's updatePod.
   */
  markUnschedulable(pod: Pod, message: string, nominatedNodeName?: string): Promise<void>;
  /**
   * Preempts a victim as upstream: a DisruptionTarget condition (reason PreemptionByScheduler)
   * first, so its owner and the kubelet can tell why it goes, then a graceful delete. A victim
   * already gone is no error.
   */
  preemptVictim?(victim: Pod, message: string): Promise<void>;
  /** status.nominatedNodeName back to empty: a higher-priority pod took the room it waited for. */
  clearNominatedNode?(pod: Pod): Promise<void>;
  /** PreBind for a claim waiting for its first consumer: the node its volume must be on. */
  selectNode?(claim: PersistentVolumeClaim, nodeName: string): Promise<void>;
}

/** The real writer: POST pods/NAME/binding and a strategic-merge patch of the status. */
export class ApiBinder implements Binder {
  readonly #client: Pick<RestClient, 'create' | 'patch' | 'delete'>;

  constructor(client: Pick<RestClient, 'create' | 'patch' | 'delete'>) {
    this.#client = client;
  }

  async bind(pod: Pod, nodeName: string): Promise<void> {
    const { name, namespace, uid } = pod.metadata ?? {};
    const binding: Binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    await this.#client.create(pods, binding, { subresource: 'binding', namespace, name });
  }

  /** A merge patch of the one annotation: the controller and the provisioner act on it. */
  async selectNode(claim: PersistentVolumeClaim, nodeName: string): Promise<void> {
    const { name = '', namespace } = claim.metadata ?? {};
    await this.#client.patch(claims, namespace, name, 'merge', { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } });
  }

  /** PodScheduled=False/Unschedulable; conditions merge by type, so other conditions stay. */
  async markUnschedulable(pod: Pod, message: string, nominatedNodeName?: string): Promise<void> {
    const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now() };
    const status: Record<string, unknown> = { conditions: [condition] };
    if (nominatedNodeName !== undefined) status.nominatedNodeName = nominatedNodeName || null;
    await this.#patchStatus(pod, status);
  }

  async preemptVictim(victim: Pod, message: string): Promise<void> {
    const { name = '', namespace, uid } = victim.metadata ?? {};
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message, lastTransitionTime: now() };
    try {
      await this.#patchStatus(victim, { conditions: [condition] });
      // The uid precondition spares a namesake that replaced the victim meanwhile (a StatefulSet pod).
      await this.#client.delete(pods, namespace, name, { preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async clearNominatedNode(pod: Pod): Promise<void> {
    await this.#patchStatus(pod, { nominatedNodeName: null });
  }

  async #patchStatus(pod: Pod, status: Record<string, unknown>): Promise<void> {
    const { name = '', namespace } = pod.metadata ?? {};
    await this.#client.patch(pods, namespace, name, 'strategic', { status }, { subresource: 'status' });
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** True when the pod's status already says exactly this (and names this node), so the patch can be skipped. */
export function hasUnschedulableCondition(pod: Pod, message: string, nominatedNodeName?: string): boolean {
  const c = pod.status?.conditions?.find((cond) => cond.type === 'PodScheduled');
  if (nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName) return false;
  return c?.status === 'False' && c.reason === 'Unschedulable' && c.message === message;
}

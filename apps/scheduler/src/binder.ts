import { findResourceByKind, type Binding, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { ANN_SELECTED_NODE } from './filters/volume-binding.ts';

const pods = findResourceByKind('v1', 'Pod')!;
const claims = findResourceByKind('v1', 'PersistentVolumeClaim')!;

/** What the scheduler writes to the API: a binding, or why a pod cannot be placed. */
export interface Binder {
  bind(pod: Pod, nodeName: string): Promise<void>;
  markUnschedulable(pod: Pod, message: string): Promise<void>;
  /** PreBind for a claim waiting for its first consumer: the node its volume must be on. */
  selectNode?(claim: PersistentVolumeClaim, nodeName: string): Promise<void>;
}

/** The real writer: POST pods/NAME/binding and a strategic-merge patch of the status. */
export class ApiBinder implements Binder {
  readonly #client: Pick<RestClient, 'create' | 'patch'>;

  constructor(client: Pick<RestClient, 'create' | 'patch'>) {
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
  async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const { name = '', namespace } = pod.metadata ?? {};
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await this.#client.patch(pods, namespace, name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' });
  }
}

/** True when the pod's status already says exactly this, so the patch can be skipped. */
export function hasUnschedulableCondition(pod: Pod, message: string): boolean {
  const c = pod.status?.conditions?.find((cond) => cond.type === 'PodScheduled');
  return c?.status === 'False' && c.reason === 'Unschedulable' && c.message === message;
}

/**
 * pods/binding: the scheduler's (or anyone's) assignment of a pod to a node. A pod is
 * bound once; the PodScheduled condition records it.
 */
import type { ResourceInfo } from '@skiff/api';
import { buildStatus, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { formatTimestamp, isPlainObject } from './object-helpers.ts';

export const podsResource: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  resource: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status', 'binding', 'log', 'exec'],
};

const BINDING_QUALIFIER = { group: '', resource: 'pods/binding' };

interface Binding {
  metadata?: { name?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string };
}
interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: unknown;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

function readBinding(body: unknown, podName: string | undefined): { name: string; node: string; annotations: Record<string, string> } {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a Binding object');
  const binding = body as Binding;
  if (binding.metadata?.name && podName && binding.metadata.name !== podName) {
    throw errors.nameMismatch(binding.metadata.name, podName);
  }
  const name = podName ?? binding.metadata?.name;
  if (!name) {
    throw errors.invalid('Binding', '', '', [
      { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  }
  const node = binding.target?.name;
  if (!node) throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  if (binding.target?.kind && binding.target.kind !== 'Node') {
    throw errors.invalid('Binding', '', name, [
      { reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${binding.target.kind}": supported values: "Node"` },
    ]);
  }
  return { name, node, annotations: binding.metadata?.annotations ?? {} };
}

function bindPod(pod: KubeObject, node: string, annotations: Record<string, string>, now: Date): KubeObject {
  const name = pod.metadata.name ?? '';
  if (pod.metadata.deletionTimestamp) throw errors.conflict(BINDING_QUALIFIER, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  const spec = (pod.spec ??= {}) as { nodeName?: string };
  if (spec.nodeName) throw errors.conflict(BINDING_QUALIFIER, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
  spec.nodeName = node;
  if (Object.keys(annotations).length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
  const status = (pod.status ??= {}) as { conditions?: PodCondition[] };
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTimestamp(now) });
  status.conditions = conditions;
  return pod;
}

/** POST pods/NAME/binding, or a Binding POSTed to a namespace's `bindings` (podName undefined). */
export async function createBinding(
  ctx: RegistryContext,
  namespace: string | undefined,
  podName: string | undefined,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const { name, node, annotations } = readBinding(body, podName);
  if (opts.dryRun) {
    bindPod(await ctx.store.get(podsResource, namespace, name), node, annotations, ctx.now());
  } else {
    await ctx.store.guaranteedUpdate(podsResource, namespace, name, (pod) => bindPod(pod, node, annotations, ctx.now()));
  }
  const status = buildStatus({ status: 'Success', code: 201 });
  return { object: status as unknown as KubeObject, created: true };
}

/**
 * LimitRanger admission, as upstream's plugin/pkg/admission/limitranger, for pods on create and
 * persistent volume claims on create and update (never subresources):
 *
 * - mutating: a container without a request or limit for a resource gets the namespace's
 *   LimitRange `defaultRequest` / `default` (Container items), and the pod the annotation
 *   `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container c; ...`.
 * - validating: per container (Container items) and per pod summed (Pod items) min, max and
 *   maxLimitRequestRatio; per claim (PersistentVolumeClaim items) min and max storage. Refusals are
 *   403s in upstream's words (`maximum cpu usage per Container is 1, but limit is 2`), several at
 *   once as `[a, b]`.
 *
 * LimitRanges are read from the apiserver's watched collection.
 */
import {
  findResourceByKind,
  podResources,
  quantity,
  type Container,
  type LimitRange,
  type LimitRangeItem,
  type Pod,
  type PersistentVolumeClaim,
} from '@skiff/api';
import { type ApiError, errors } from '../../errors.ts';
import type { RegistryContext } from '../context.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';

export const limitRangesResource = findResourceByKind('v1', 'LimitRange')!;
const ANNOTATION = 'kubernetes.io/limit-ranger';

type Resources = Record<string, string>;

async function limitItems(ctx: RegistryContext, namespace: string, type: string): Promise<LimitRangeItem[]> {
  const collection = ctx.watched.of(limitRangesResource);
  if (!collection.isSynced) await collection.synced;
  return ([...collection.values(namespace)] as unknown as LimitRange[]).flatMap((lr) => lr.spec?.limits ?? []).filter((item) => item.type === type);
}

function supports(attrs: AdmissionAttributes): 'pod' | 'pvc' | undefined {
  if (attrs.subresource !== '' || attrs.res.group !== '' || !attrs.namespace || !attrs.object) return undefined;
  if (attrs.object.metadata?.deletionTimestamp) return undefined;
  if (attrs.res.resource === 'pods' && attrs.operation === 'CREATE') return 'pod';
  if (attrs.res.resource === 'persistentvolumeclaims' && (attrs.operation === 'CREATE' || attrs.operation === 'UPDATE')) return 'pvc';
  return undefined;
}

/** Sets what the container leaves out; returns the resource names set, for the annotation. */
function applyDefaults(container: Container, item: LimitRangeItem): { requests: string[]; limits: string[] } {
  const set = { requests: [] as string[], limits: [] as string[] };
  for (const kind of ['limits', 'requests'] as const) {
    const defaults = (kind === 'limits' ? item.default : item.defaultRequest) as Resources | undefined;
    for (const [name, value] of Object.entries(defaults ?? {})) {
      container.resources ??= {};
      const list = (container.resources[kind] ??= {}) as Resources;
      if (list[name] !== undefined) continue;
      list[name] = value;
      set[kind].push(name);
    }
  }
  return set;
}

/**
 * Upstream defaults a pod when it is decoded, before admission: a resource with only a limit is
 * requested at that limit. Skiff defaults after the mutating plugins, so that rule comes first here,
 * or a LimitRange's defaultRequest would win over the container's own limit.
 */
function requestLimitsFirst(c: Container): void {
  const limits = c.resources?.limits as Resources | undefined;
  if (!limits || Object.keys(limits).length === 0) return;
  const requests = (c.resources!.requests ??= {}) as Resources;
  for (const [name, value] of Object.entries(limits)) requests[name] ??= value;
}

function admitPod(pod: Pod, items: LimitRangeItem[]): void {
  const notes: string[] = [];
  const visit = (containers: Container[] | undefined, prefix: string) => {
    for (const c of containers ?? []) {
      requestLimitsFirst(c);
      const requests = new Set<string>();
      const limits = new Set<string>();
      for (const item of items) {
        const set = applyDefaults(c, item);
        set.requests.forEach((n) => requests.add(n));
        set.limits.forEach((n) => limits.add(n));
      }
      if (requests.size > 0) notes.push(`${[...requests].sort().join(', ')} request for ${prefix} ${c.name}`);
      if (limits.size > 0) notes.push(`${[...limits].sort().join(', ')} limit for ${prefix} ${c.name}`);
    }
  };
  visit(pod.spec?.containers, 'container');
  visit(pod.spec?.initContainers, 'init container');
  if (notes.length === 0) return;
  pod.metadata ??= {};
  pod.metadata.annotations = { ...pod.metadata.annotations, [ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

const cmp = (a: string, b: string) => quantity(a).cmp(quantity(b));

function minConstraint(kind: string, name: string, min: string, requests: Resources, limits: Resources): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  if (req === undefined) return `minimum ${name} usage per ${kind} is ${quantity(min)}.  No request is specified`;
  if (cmp(req, min) < 0) return `minimum ${name} usage per ${kind} is ${quantity(min)}, but request is ${quantity(req)}`;
  if (lim !== undefined && cmp(lim, min) < 0) return `minimum ${name} usage per ${kind} is ${quantity(min)}, but limit is ${quantity(lim)}`;
  return undefined;
}

function maxConstraint(kind: string, name: string, max: string, requests: Resources, limits: Resources): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  if (lim === undefined) return `maximum ${name} usage per ${kind} is ${quantity(max)}.  No limit is specified`;
  if (cmp(lim, max) > 0) return `maximum ${name} usage per ${kind} is ${quantity(max)}, but limit is ${quantity(lim)}`;
  if (req !== undefined && cmp(req, max) > 0) return `maximum ${name} usage per ${kind} is ${quantity(max)}, but request is ${quantity(req)}`;
  return undefined;
}

function ratioConstraint(kind: string, name: string, ratio: string, requests: Resources, limits: Resources): string | undefined {
  const req = requests[name] === undefined ? 0 : quantity(requests[name]).toNumber();
  const lim = limits[name] === undefined ? 0 : quantity(limits[name]).toNumber();
  if (req === 0) return `${name} max limit to request ratio per ${kind} is ${quantity(ratio)}, but no request is specified or request is 0`;
  if (lim === 0) return `${name} max limit to request ratio per ${kind} is ${quantity(ratio)}, but no limit is specified or limit is 0`;
  const observed = lim / req;
  if (observed > quantity(ratio).toNumber())
    return `${name} max limit to request ratio per ${kind} is ${quantity(ratio)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

function checkItem(kind: string, item: LimitRangeItem, requests: Resources, limits: Resources): string[] {
  const out: (string | undefined)[] = [];
  for (const [name, min] of Object.entries((item.min ?? {}) as Resources)) out.push(minConstraint(kind, name, min, requests, limits));
  for (const [name, max] of Object.entries((item.max ?? {}) as Resources)) out.push(maxConstraint(kind, name, max, requests, limits));
  for (const [name, ratio] of Object.entries((item.maxLimitRequestRatio ?? {}) as Resources)) out.push(ratioConstraint(kind, name, ratio, requests, limits));
  return out.filter((m): m is string => m !== undefined);
}

function podViolations(pod: Pod, containerItems: LimitRangeItem[], podItems: LimitRangeItem[]): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const item of containerItems)
      out.push(...checkItem('Container', item, (c.resources?.requests ?? {}) as Resources, (c.resources?.limits ?? {}) as Resources));
  }
  for (const item of podItems) out.push(...checkItem('Pod', item, podResources(pod, 'requests'), podResources(pod, 'limits')));
  return out;
}

function pvcViolations(pvc: PersistentVolumeClaim, items: LimitRangeItem[]): string[] {
  const out: string[] = [];
  const storage = pvc.spec?.resources?.requests?.storage as string | undefined;
  for (const item of items) {
    const min = item.min?.storage as string | undefined;
    const max = item.max?.storage as string | undefined;
    if (storage === undefined) {
      if (min !== undefined || max !== undefined) out.push('PersistentVolumeClaim must specify storage request');
      continue;
    }
    if (min !== undefined && cmp(storage, min) < 0)
      out.push(`minimum storage usage per PersistentVolumeClaim is ${quantity(min)}, but request is ${quantity(storage)}`);
    if (max !== undefined && cmp(storage, max) > 0)
      out.push(`maximum storage usage per PersistentVolumeClaim is ${quantity(max)}, but request is ${quantity(storage)}`);
  }
  return out;
}

function refuse(attrs: AdmissionAttributes, messages: string[]): ApiError {
  const detail = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return errors.forbidden(qualifiedOf(attrs.res), attrs.name || (attrs.object?.metadata?.generateName ?? ''), detail);
}

export const limitRangerAdmission: AdmissionPlugin = {
  name: 'LimitRanger',
  async admit(ctx, attrs) {
    if (supports(attrs) !== 'pod') return;
    const items = await limitItems(ctx, attrs.namespace!, 'Container');
    if (items.length > 0) admitPod(attrs.object as Pod, items);
  },
  async validate(ctx, attrs) {
    const kind = supports(attrs);
    if (!kind) return;
    const messages =
      kind === 'pod'
        ? podViolations(attrs.object as Pod, await limitItems(ctx, attrs.namespace!, 'Container'), await limitItems(ctx, attrs.namespace!, 'Pod'))
        : pvcViolations(attrs.object as PersistentVolumeClaim, await limitItems(ctx, attrs.namespace!, 'PersistentVolumeClaim'));
    if (messages.length > 0) throw refuse(attrs, messages);
  },
};

import type { KubeObject } from '../../storage/store.ts';
import type { Strategy } from './strategy.ts';
import { defaultStrategy } from './default.ts';

/** A new pod is Pending with its QoS class; its status is the kubelet's from then on. */
export const podStrategy: Strategy = {
  ...defaultStrategy,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: computeQosClass(obj) };
  },
};

interface Resources { requests?: Record<string, string | number>; limits?: Record<string, string | number> }
interface Container { resources?: Resources }

const QOS_RESOURCES = ['cpu', 'memory'] as const;

const SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A quantity's value as a float; precise enough to compare requests with limits. NaN when malformed. */
export function quantityValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return Number.NaN;
  return Number(m[1] + (m[2] ?? '')) * (SUFFIXES[m[3] ?? ''] ?? 1);
}

/**
 * Kubernetes' QoS rules over all containers (init containers included):
 * BestEffort — no cpu/memory request or limit anywhere;
 * Guaranteed — every container limits both cpu and memory and requests equal limits
 *   (a missing request counts as equal, since defaulting copies the limit into it);
 * Burstable — anything else.
 */
export function computeQosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    for (const name of QOS_RESOURCES) {
      const request = requests[name];
      const limit = limits[name];
      if ((request !== undefined && quantityValue(request) !== 0) || (limit !== undefined && quantityValue(limit) !== 0)) anySet = true;
      if (limit === undefined || quantityValue(limit) === 0) { guaranteed = false; continue; }
      if (request !== undefined && quantityValue(request) !== quantityValue(limit)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

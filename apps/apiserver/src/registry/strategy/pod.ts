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

interface Resources {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}
interface Container {
  resources?: Resources;
}

const QOS_RESOURCES = ['cpu', 'memory'] as const;

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
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
      if (limit === undefined || quantityValue(limit) === 0) {
        guaranteed = false;
        continue;
      }
      if (request !== undefined && quantityValue(request) !== quantityValue(limit)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Whether a toleration matches a NoExecute taint with this key and no value (Kubernetes' ToleratesTaint). */
function toleratesNoExecute(t: Toleration, key: string): boolean {
  if (t.effect && t.effect !== 'NoExecute') return false;
  if (t.key && t.key !== key) return false;
  // An empty key with Exists tolerates every taint; Equal needs the taint's (empty) value.
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  return Boolean(t.key) && (t.value ?? '') === '';
}

/**
 * The DefaultTolerationSeconds admission plugin: a new pod tolerates the not-ready and
 * unreachable NoExecute taints for a bounded time, so the node-lifecycle controller evicts
 * it that long after its node fails — unless the pod already says how it tolerates them.
 */
export function addDefaultTolerations(pod: KubeObject, notReadySeconds: number, unreachableSeconds: number): void {
  const spec = (pod.spec ?? (pod.spec = {})) as { tolerations?: Toleration[] };
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const additions: Toleration[] = [];
  for (const [key, seconds] of [
    [TAINT_NODE_NOT_READY, notReadySeconds],
    [TAINT_NODE_UNREACHABLE, unreachableSeconds],
  ] as const) {
    if (tolerations.some((t) => toleratesNoExecute(t, key))) continue;
    additions.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (additions.length > 0) spec.tolerations = [...tolerations, ...additions];
}

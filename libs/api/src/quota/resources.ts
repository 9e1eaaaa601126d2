/**
 * ResourceQuota's resource math, shared by the ResourceQuota admission plugin and the quota
 * controller (as upstream's pkg/quota/v1 and its core evaluators): what an object of a kind
 * charges to a quota (`usageOf`), which quota resources and scopes apply to it, and the
 * resource-list arithmetic (add, subtract, compare) on Kubernetes quantities.
 */
import { parseQuantity, type Quantity } from '../quantity.ts';

export type ResourceList = Record<string, string>;

/** Names a quota may limit without a '/' (upstream's standard quota resource names). */
export const STANDARD_QUOTA_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'ephemeral-storage',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
  'requests.storage',
]);

/** Resources counted in whole objects: their values must be integers. */
export function isIntegerQuotaResource(name: string): boolean {
  return (
    name.startsWith('count/') ||
    name.endsWith('/persistentvolumeclaims') ||
    [
      'pods',
      'services',
      'replicationcontrollers',
      'resourcequotas',
      'secrets',
      'configmaps',
      'persistentvolumeclaims',
      'services.nodeports',
      'services.loadbalancers',
    ].includes(name)
  );
}

export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const;

export function quantity(value: string | number | undefined): Quantity {
  return parseQuantity(value ?? '0');
}

/** a + b for each resource of either. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? addQuantities(quantity(out[k]), quantity(v)).toString() : quantity(v).toString();
  return out;
}

/** a + b in a's format, or b's when a is zero, as Go's Quantity.Add (0 + 128Mi prints 128Mi). */
function addQuantities(a: Quantity, b: Quantity): Quantity {
  return a.isZero() ? b : a.add(b);
}

/** a - b for each resource of a (never below zero). */
export function subtractLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(a)) {
    const diff = quantity(v).add(negate(quantity(b[k])));
    out[k] = diff.sign() < 0 ? '0' : diff.toString();
  }
  return out;
}

function negate(q: Quantity): Quantity {
  return parseQuantity(q.toString().startsWith('-') ? q.toString().slice(1) : `-${q.toString()}`);
}

/** The list restricted to `names`. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (n in list) out[n] = list[n];
  return out;
}

/** Canonical strings ('1000m' → '1') so a status reads as kubectl prints it. */
export function canonicalList(list: ResourceList | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      out[k] = quantity(v).toString();
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** True when the two lists hold the same resources at equal values. */
export function listsEqual(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b && k in b && quantity(a![k]).cmp(quantity(b[k])) === 0);
}

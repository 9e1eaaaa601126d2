/**
 * Which Node labels a kubelet may set on itself (upstream's noderestriction getForbiddenLabels
 * and kubelet's IsKubeletLabel). Labels under node-restriction.kubernetes.io/ exist so that an
 * admin can steer workloads to nodes by a label no node can give itself; other kubernetes.io
 * and k8s.io labels are reserved too, but for those a kubelet reports about itself.
 */

const NODE_RESTRICTION_NAMESPACE = 'node-restriction.kubernetes.io';

/** Labels the kubelet sets itself (well-known topology, instance type, os and arch). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
/** Prefixes (and their subdomains) a kubelet may use freely. */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/** `example.com/x` → `example.com`; `x` → ''. */
function labelNamespace(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

function inDomain(namespace: string, domain: string): boolean {
  return namespace === domain || namespace.endsWith(`.${domain}`);
}

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const namespace = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => inDomain(namespace, allowed));
}

function isKubernetesLabel(key: string): boolean {
  const namespace = labelNamespace(key);
  return inDomain(namespace, 'kubernetes.io') || inDomain(namespace, 'k8s.io');
}

/** Keys added, changed or removed between `before` and `after`. */
export function modifiedLabels(after: Record<string, string> | undefined, before: Record<string, string> | undefined): string[] {
  const keys = new Set<string>();
  for (const [key, value] of Object.entries(after ?? {})) if (before?.[key] !== value) keys.add(key);
  for (const key of Object.keys(before ?? {})) if (!after || !(key in after)) keys.add(key);
  return [...keys];
}

/** The keys among `modified` a node may not set on itself, sorted (as upstream's sets.String.List). */
export function forbiddenNodeLabels(modified: readonly string[]): string[] {
  return modified.filter((key) => inDomain(labelNamespace(key), NODE_RESTRICTION_NAMESPACE) || (isKubernetesLabel(key) && !isKubeletLabel(key))).sort();
}

/** networking.k8s.io/v1 defaults (SetDefaults_* in pkg/apis/networking/v1/defaults.go). */

/** A port without a protocol means TCP, in both directions' rules. */
function defaultPolicyPorts(rules: unknown): void {
  if (!Array.isArray(rules)) return;
  for (const rule of rules) {
    if (!Array.isArray(rule?.ports)) continue;
    for (const port of rule.ports) if (port && typeof port === 'object') port.protocol ??= 'TCP';
  }
}

/**
 * A policy that names no policyTypes is an Ingress policy, and an Egress one too when it has
 * egress rules: an empty `ingress` list then means "deny all ingress" rather than "says nothing".
 */
export function defaultNetworkPolicy(np: any): void {
  np.spec ??= {};
  const spec = np.spec;
  if (typeof spec !== 'object') return;
  defaultPolicyPorts(spec.ingress);
  defaultPolicyPorts(spec.egress);
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** Parameters without a scope are cluster-scoped, as they were before `scope` existed. */
export function defaultIngressClass(ic: any): void {
  const params = ic.spec?.parameters;
  if (params && typeof params === 'object') params.scope ??= 'Cluster';
}

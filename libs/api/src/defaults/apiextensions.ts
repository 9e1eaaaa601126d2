/** apiextensions.k8s.io/v1 defaults (SetDefaults_CustomResourceDefinition and its spec's). */
export function defaultCustomResourceDefinition(crd: any): void {
  const spec = crd?.spec;
  if (typeof spec !== 'object' || spec === null) return;
  const names = spec.names;
  if (typeof names === 'object' && names !== null && typeof names.kind === 'string' && names.kind !== '') {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  // A webhook Service's port defaults to 443 (SetDefaults_ServiceReference).
  const service = spec.conversion?.webhook?.clientConfig?.service;
  if (typeof service === 'object' && service !== null) service.port ??= 443;
}

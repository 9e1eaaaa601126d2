/** apiextensions.k8s.io/v1 defaults (SetDefaults_CustomResourceDefinition). */
export function defaultCustomResourceDefinition(_crd: any): void {
  // filled by the CRD work
}

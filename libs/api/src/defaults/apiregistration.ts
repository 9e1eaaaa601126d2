/** apiregistration.k8s.io/v1 defaults (service port 443). */
export function defaultApiService(_service: any): void {
  // filled by the aggregation work
}

/** apiregistration.k8s.io/v1 defaults: a Service reference without a port means 443 (SetDefaults_ServiceReference). */
export function defaultApiService(service: any): void {
  const ref = service?.spec?.service;
  if (ref && typeof ref === 'object' && (ref.port === undefined || ref.port === null)) ref.port = 443;
}

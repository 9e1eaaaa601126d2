/**
 * Service-account tokens: bound JWTs signed with the cluster's service-account key.
 * (Placeholder interface; the service-account token work fills it in.)
 */
export interface TokenIssuer {
  /** `iss` of every token, e.g. https://kubernetes.default.svc.cluster.local */
  readonly issuer: string;
}

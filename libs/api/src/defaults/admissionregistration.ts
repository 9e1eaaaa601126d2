/** admissionregistration.k8s.io/v1 defaults (failurePolicy, matchPolicy, timeoutSeconds, selectors...). */
export function defaultMutatingWebhookConfiguration(_config: any): void {
  // filled by the admission-webhook work
}

export function defaultValidatingWebhookConfiguration(_config: any): void {
  // filled by the admission-webhook work
}

export function defaultValidatingAdmissionPolicy(_policy: any): void {
  // filled by the admission-webhook work
}

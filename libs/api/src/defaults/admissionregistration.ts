/**
 * admissionregistration.k8s.io/v1 defaults, as upstream's v1 SetDefaults_*: every webhook
 * fails closed (failurePolicy Fail), matches equivalent versions, selects every namespace and
 * object, waits 10 s, and (mutating) is not reinvoked; rules cover both scopes; a service is
 * called on port 443. sideEffects and admissionReviewVersions get no default in v1: the
 * author must say them.
 */
function defaultRules(rules: any): void {
  for (const rule of Array.isArray(rules) ? rules : []) {
    if (rule && typeof rule === 'object') rule.scope ??= '*';
  }
}

function defaultWebhooks(config: any, mutating: boolean): void {
  for (const hook of Array.isArray(config?.webhooks) ? config.webhooks : []) {
    if (!hook || typeof hook !== 'object') continue;
    hook.failurePolicy ??= 'Fail';
    hook.matchPolicy ??= 'Equivalent';
    hook.namespaceSelector ??= {};
    hook.objectSelector ??= {};
    hook.timeoutSeconds ??= 10;
    if (mutating) hook.reinvocationPolicy ??= 'Never';
    defaultRules(hook.rules);
    if (hook.clientConfig?.service && typeof hook.clientConfig.service === 'object') hook.clientConfig.service.port ??= 443;
  }
}

export function defaultMutatingWebhookConfiguration(config: any): void {
  defaultWebhooks(config, true);
}

export function defaultValidatingWebhookConfiguration(config: any): void {
  defaultWebhooks(config, false);
}

/** SetDefaults_MatchResources: Equivalent, every namespace and object, rules of both scopes. */
function defaultMatchResources(match: any): void {
  if (!match || typeof match !== 'object') return;
  match.matchPolicy ??= 'Equivalent';
  match.namespaceSelector ??= {};
  match.objectSelector ??= {};
  defaultRules(match.resourceRules);
  defaultRules(match.excludeResourceRules);
}

/** A policy fails closed and matches like a webhook. */
export function defaultValidatingAdmissionPolicy(policy: any): void {
  const spec = policy?.spec;
  if (!spec || typeof spec !== 'object') return;
  spec.failurePolicy ??= 'Fail';
  defaultMatchResources(spec.matchConstraints);
}

/** A binding's matchResources get the same defaults (v1 has none for paramRef: its parameterNotFoundAction is required). */
export function defaultValidatingAdmissionPolicyBinding(binding: any): void {
  defaultMatchResources(binding?.spec?.matchResources);
}

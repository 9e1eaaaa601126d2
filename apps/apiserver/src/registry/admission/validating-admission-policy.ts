/**
 * ValidatingAdmissionPolicy: CEL validations of the policies their bindings select, in the
 * validating phase before the webhooks, as kube-apiserver orders them.
 *
 * For every binding (by name) whose policy exists and matches the request — the policy's
 * matchConstraints, then the binding's matchResources — the policy runs once per params object
 * (webhooks/policy-params.ts: the one paramRef.name names or every one paramRef.selector
 * selects), with `object`, `oldObject`, `request`, `params` and `namespaceObject`: its
 * matchConditions first (one false: nothing to check for these params), then its validations. A failure is handled by the binding's
 * validationActions: Deny refuses with `ValidatingAdmissionPolicy '<p>' with binding '<b>'
 * denied request: <message>` and the code of the validation's reason (422 for Invalid); Warn
 * adds a Warning header; Audit is logged (Skiff has no audit log).
 */
import { randomUUID } from 'node:crypto';
import { findResource } from '@skiff/api';
import { ApiError, errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import { buildAdmissionReview } from './webhooks/admission-review.ts';
import {
  isExemptFromAdmissionHooks,
  matchedResource,
  namespaceLabelsOnce,
  selectorsMatch,
  watchedByName,
  type NamespaceLabels,
} from './webhooks/matching-webhooks.ts';
import { evaluateMatchConditions } from './webhooks/match-conditions.ts';
import { POLICY_VARIABLES, evaluatePolicy, type PolicyFailure, type PolicySpec } from './webhooks/policy-evaluation.ts';
import { collectParams, type ParamRef } from './webhooks/policy-params.ts';

const GROUP = 'admissionregistration.k8s.io';
const POLICIES = findResource(GROUP, 'v1', 'validatingadmissionpolicies')!;
const BINDINGS = findResource(GROUP, 'v1', 'validatingadmissionpolicybindings')!;
const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

interface BindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: Record<string, any>;
  validationActions?: ('Deny' | 'Warn' | 'Audit')[];
}

/** The request falls under `match` (resourceRules, not excludeResourceRules, selectors); no rules match everything. */
async function matches(match: Record<string, any> | undefined, attrs: AdmissionAttributes, nsLabels: NamespaceLabels): Promise<boolean> {
  if (!match) return true;
  if (match.resourceRules?.length && !matchedResource(match.resourceRules, match.matchPolicy, attrs)) return false;
  if (match.excludeResourceRules?.length && matchedResource(match.excludeResourceRules, match.matchPolicy, attrs)) return false;
  return selectorsMatch(match, attrs, nsLabels);
}

/** The policy against one params object: its matchConditions first (a false one: no failures), then its validations. */
function evaluateWithParams(spec: PolicySpec, vars: Record<string, unknown>): PolicyFailure[] {
  const matched = evaluateMatchConditions(spec.matchConditions, vars, POLICY_VARIABLES, spec.failurePolicy);
  if (matched.error !== undefined) return [{ message: matched.error, reason: 'Invalid' }];
  return matched.matches ? evaluatePolicy(spec, vars) : [];
}

/** admission.NewForbidden's words with the validation's reason and code, as upstream's dispatcher builds it. */
function denial(attrs: AdmissionAttributes, policy: string, binding: string, failure: PolicyFailure): ApiError {
  const message = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${failure.message}`;
  const forbidden = errors.forbidden(attrs.res, attrs.name, message);
  return new ApiError(REASON_CODES[failure.reason] ?? 422, failure.reason, forbidden.message, { ...forbidden.details, causes: [{ reason: '', message }] });
}

async function namespaceObject(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<KubeObject | null> {
  return attrs.namespace ? ((await ctx.namespaces.get(attrs.namespace)) ?? null) : null;
}

export const validatingAdmissionPolicyAdmission: AdmissionPlugin = {
  name: 'ValidatingAdmissionPolicy',
  async validate(ctx, attrs) {
    if (isExemptFromAdmissionHooks(attrs.res)) return;
    const bindings = await watchedByName(ctx, BINDINGS);
    if (bindings.length === 0) return;
    const policies = ctx.watched.of(POLICIES);
    if (!policies.isSynced) await policies.synced;
    const nsLabels = namespaceLabelsOnce(ctx, attrs);
    let request: unknown;
    let nsObject: KubeObject | null | undefined;
    for (const bindingObj of bindings) {
      const binding = (bindingObj.spec ?? {}) as BindingSpec;
      const policyObj = policies.get(undefined, binding.policyName ?? '');
      if (!policyObj) continue;
      const spec = (policyObj.spec ?? {}) as PolicySpec;
      if (!(await matches(spec.matchConstraints, attrs, nsLabels)) || !(await matches(binding.matchResources, attrs, nsLabels))) continue;
      const [policyName, bindingName] = [policyObj.metadata.name!, bindingObj.metadata.name!];
      const collected = await collectParams(ctx, spec, binding.paramRef, attrs);
      if ('skip' in collected) continue;
      let failures: PolicyFailure[] = [];
      if ('error' in collected) {
        if (spec.failurePolicy !== 'Ignore') failures = [{ message: collected.error, reason: 'Invalid' }];
      } else {
        request ??= buildAdmissionReview(randomUUID(), attrs, attrs.res).request;
        if (nsObject === undefined) nsObject = await namespaceObject(ctx, attrs);
        const base = { object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request, namespaceObject: nsObject };
        for (const params of collected.params) failures.push(...evaluateWithParams(spec, { ...base, params }));
      }
      const actions = binding.validationActions ?? [];
      for (const failure of failures) {
        if (actions.includes('Warn'))
          (attrs.warnings ??= []).push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${failure.message}`);
        if (actions.includes('Audit'))
          ctx.logger.info({ policy: policyName, binding: bindingName, resource: attrs.res.resource, name: attrs.name }, `audit: ${failure.message}`);
      }
      if (failures.length > 0 && actions.includes('Deny')) throw denial(attrs, policyName, bindingName, failures[0]!);
    }
  },
};

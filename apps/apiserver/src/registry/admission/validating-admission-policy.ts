/**
 * ValidatingAdmissionPolicy: CEL validations of the policies their bindings select, in the
 * validating phase before the webhooks, as kube-apiserver orders them.
 *
 * For every binding (by name) whose policy exists and matches the request — the policy's
 * matchConstraints, then the binding's matchResources — the policy's validations run with
 * `object`, `oldObject`, `request`, `params` (the object the binding's paramRef names, of the
 * policy's paramKind) and `namespaceObject`. A failure is handled by the binding's
 * validationActions: Deny refuses with `ValidatingAdmissionPolicy '<p>' with binding '<b>'
 * denied request: <message>` and the code of the validation's reason (422 for Invalid); Warn
 * adds a Warning header; Audit is logged (Skiff has no audit log).
 */
import { randomUUID } from 'node:crypto';
import { findResource, type ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import { buildAdmissionReview } from './webhooks/admission-review.ts';
import {
  isExemptFromAdmissionHooks, matchedResource, namespaceLabelsOnce, selectorsMatch, watchedByName, type NamespaceLabels,
} from './webhooks/matching-webhooks.ts';
import { evaluatePolicy, type PolicyFailure, type PolicySpec } from './webhooks/policy-evaluation.ts';

const GROUP = 'admissionregistration.k8s.io';
const POLICIES = findResource(GROUP, 'v1', 'validatingadmissionpolicies')!;
const BINDINGS = findResource(GROUP, 'v1', 'validatingadmissionpolicybindings')!;
const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

interface BindingSpec {
  policyName?: string;
  paramRef?: { name?: string; namespace?: string; parameterNotFoundAction?: 'Allow' | 'Deny' };
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

/** The binding's params: the object, null without paramKind, or undefined when it should exist and does not. */
async function paramsFor(ctx: RegistryContext, spec: PolicySpec, binding: BindingSpec, attrs: AdmissionAttributes): Promise<KubeObject | null | undefined> {
  const kind = spec.paramKind;
  const ref = binding.paramRef;
  if (!kind || !ref?.name) return null;
  const res: ResourceInfo | undefined = ctx.served.findByKind(kind.apiVersion ?? '', kind.kind ?? '');
  if (!res) return undefined;
  try {
    return await ctx.store.get(res, res.namespaced ? (ref.namespace ?? attrs.namespace) : undefined, ref.name);
  } catch {
    return undefined;
  }
}

/** admission.NewForbidden's words with the validation's reason and code, as upstream's dispatcher builds it. */
function denial(attrs: AdmissionAttributes, policy: string, binding: string, failure: PolicyFailure): ApiError {
  const message = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${failure.message}`;
  const forbidden = errors.forbidden(attrs.res, attrs.name, message);
  return new ApiError(REASON_CODES[failure.reason] ?? 422, failure.reason, forbidden.message, { ...forbidden.details, causes: [{ reason: '', message }] });
}

async function namespaceObject(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<KubeObject | null> {
  return attrs.namespace ? (await ctx.namespaces.get(attrs.namespace)) ?? null : null;
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
    for (const bindingObj of bindings) {
      const binding = (bindingObj.spec ?? {}) as BindingSpec;
      const policyObj = policies.get(undefined, binding.policyName ?? '');
      if (!policyObj) continue;
      const spec = (policyObj.spec ?? {}) as PolicySpec;
      if (!(await matches(spec.matchConstraints, attrs, nsLabels)) || !(await matches(binding.matchResources, attrs, nsLabels))) continue;
      const [policyName, bindingName] = [policyObj.metadata.name!, bindingObj.metadata.name!];
      const params = await paramsFor(ctx, spec, binding, attrs);
      let failures: PolicyFailure[];
      if (params === undefined) {
        if (binding.paramRef?.parameterNotFoundAction === 'Allow') continue;
        failures = spec.failurePolicy === 'Ignore' ? [] : [{ message: 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction', reason: 'Invalid' }];
      } else {
        request ??= (buildAdmissionReview(randomUUID(), attrs, attrs.res) as { request: unknown }).request;
        failures = evaluatePolicy(spec, {
          object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request, params, namespaceObject: await namespaceObject(ctx, attrs),
        });
      }
      const actions = binding.validationActions ?? [];
      for (const failure of failures) {
        if (actions.includes('Warn')) (attrs.warnings ??= []).push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${failure.message}`);
        if (actions.includes('Audit')) ctx.logger.info({ policy: policyName, binding: bindingName, resource: attrs.res.resource, name: attrs.name }, `audit: ${failure.message}`);
      }
      if (failures.length > 0 && actions.includes('Deny')) throw denial(attrs, policyName, bindingName, failures[0]!);
    }
  },
};

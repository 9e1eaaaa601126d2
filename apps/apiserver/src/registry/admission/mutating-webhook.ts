/**
 * MutatingAdmissionWebhook: the MutatingWebhookConfigurations' webhooks, called in order
 * after the built-in mutating plugins; each answer's JSON patch is applied to the object the
 * next webhook sees. A webhook with reinvocationPolicy IfNeeded is called once more when a
 * webhook after it changed the object (upstream reinvokes at most once, for the same reason:
 * webhooks that keep changing each other's output must not loop); the built-in mutating
 * plugins run again first, as upstream re-runs the whole chain on reinvocation.
 */
import { applyJsonPatch, deepEqual } from '@skiff/api';
import { errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import { applyVerdict, callAdmissionWebhook, inVersion, type AdmissionResponse } from './webhooks/admission-review.ts';
import { MUTATING_WEBHOOK_CONFIGURATIONS, matchingWebhooks, type MatchedWebhook } from './webhooks/matching-webhooks.ts';
import type { RegistryContext } from '../context.ts';

/** The object after the response's patch (in the request's own version), or the object unchanged. */
function patched(matched: MatchedWebhook, response: AdmissionResponse, attrs: AdmissionAttributes): KubeObject | undefined {
  if (!response.patch || !attrs.object) return attrs.object;
  if (response.patchType !== 'JSONPatch') {
    throw errors.internal(
      `failed calling webhook "${matched.hook.name}": received invalid webhook response: expected patchType JSONPatch, got "${response.patchType ?? ''}"`,
    );
  }
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
  } catch (err) {
    throw errors.internal(`webhook "${matched.hook.name}" returned a patch that is not JSON`, err);
  }
  try {
    const result = applyJsonPatch(inVersion(attrs.object, matched.as), ops) as KubeObject;
    return inVersion(result, attrs.res);
  } catch (err) {
    throw errors.internal(`webhook "${matched.hook.name}" returned a patch that does not apply: ${(err as Error).message}`, err);
  }
}

/** Calls one webhook and applies its answer; true when it changed the object. */
async function admitOnce(ctx: RegistryContext, matched: MatchedWebhook, attrs: AdmissionAttributes): Promise<boolean> {
  const response = await callAdmissionWebhook(ctx, matched, attrs);
  if (!response) return false;
  applyVerdict(matched, response, attrs);
  const next = patched(matched, response, attrs);
  if (next === attrs.object || deepEqual(next, attrs.object)) return false;
  attrs.object = next;
  return true;
}

/**
 * Upstream's reinvocation re-runs the whole mutating chain: the built-in mutating plugins see
 * what the webhooks made (a container a webhook added gets its service-account token mount).
 * They are read lazily: plugins.ts lists this plugin, so a static import would be a cycle.
 */
async function rerunBuiltInMutations(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<void> {
  const { admissionPlugins } = await import('./plugins.ts');
  for (const plugin of admissionPlugins) {
    if (plugin === mutatingWebhookAdmission) return;
    if (plugin.admit) await plugin.admit(ctx, attrs);
  }
}

export const mutatingWebhookAdmission: AdmissionPlugin = {
  name: 'MutatingAdmissionWebhook',
  async admit(ctx, attrs) {
    const hooks = await matchingWebhooks(ctx, MUTATING_WEBHOOK_CONFIGURATIONS, attrs);
    let lastChange = -1;
    for (const [index, matched] of hooks.entries()) if (await admitOnce(ctx, matched, attrs)) lastChange = index;
    // Reinvocation: IfNeeded webhooks that ran before the last change see the changed object once more,
    // after the built-in mutating plugins had their second look.
    const reinvoke = hooks.filter((matched, index) => index < lastChange && matched.hook.reinvocationPolicy === 'IfNeeded');
    if (reinvoke.length === 0) return;
    await rerunBuiltInMutations(ctx, attrs);
    for (const matched of reinvoke) await admitOnce(ctx, matched, attrs);
  },
};

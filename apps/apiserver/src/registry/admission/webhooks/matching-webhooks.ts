/**
 * Which webhooks of the Mutating/ValidatingWebhookConfigurations an admission request must go
 * to, read from the apiserver's watched collections (never etcd per request), in upstream's
 * order: configurations by name, webhooks in their listed order.
 *
 * A webhook matches when one of its rules matches the request — with matchPolicy Equivalent,
 * also a rule naming another version of the same objects (events.k8s.io/v1 and core v1
 * Events), in which case the webhook sees the request in that version — and its
 * namespaceSelector and objectSelector select the request (upstream's predicates/namespace and
 * predicates/object). Requests about the webhook configurations and admission policies
 * themselves never go to webhooks, as upstream exempts them: otherwise a broken webhook could
 * lock out the way to remove it.
 */
import { findResource, labelSelectorMatches, type LabelSelector, type ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../../../storage/store.ts';
import { converterFor } from '../../conversion/version-converter.ts';
import type { RegistryContext } from '../../context.ts';
import type { AdmissionAttributes } from '../admission.ts';
import type { WebhookClientConfig } from '../../../webhook/webhook-client.ts';
import { anyRuleMatches, type RuleWithOperations } from './rule-matcher.ts';

export interface AdmissionWebhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: 'Ignore' | 'Fail';
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

/** A webhook to call, and the version of the resource it asked for (the request's own, or an equivalent one). */
export interface MatchedWebhook {
  hook: AdmissionWebhook;
  configuration: string;
  as: ResourceInfo;
}

const GROUP = 'admissionregistration.k8s.io';
const EXEMPT_KINDS = new Set([
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

export const MUTATING_WEBHOOK_CONFIGURATIONS = findResource(GROUP, 'v1', 'mutatingwebhookconfigurations')!;
export const VALIDATING_WEBHOOK_CONFIGURATIONS = findResource(GROUP, 'v1', 'validatingwebhookconfigurations')!;

/** Upstream's IsExemptAdmissionConfigurationResource. */
export function isExemptFromAdmissionHooks(res: ResourceInfo): boolean {
  return res.group === GROUP && EXEMPT_KINDS.has(res.kind);
}

/** The request's resource, then (Equivalent only) the other versions the same objects are served in. */
function candidateResources(res: ResourceInfo, equivalent: boolean): ResourceInfo[] {
  const converter = equivalent ? converterFor(res) : undefined;
  if (!converter) return [res];
  const others = [converter.storage, ...converter.served]
    .map((gv) => findResource(gv.group, gv.version, converter.resource))
    .filter((r): r is ResourceInfo => r !== undefined && (r.group !== res.group || r.version !== res.version));
  return [res, ...others];
}

function labelsOf(obj: KubeObject | undefined): Record<string, string> {
  return obj?.metadata?.labels ?? {};
}

/** The labels namespaceSelector is matched against: a Namespace's own, else its namespace's; undefined for cluster-scoped requests. */
async function namespaceLabels(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<Record<string, string> | undefined> {
  if (attrs.res.group === '' && attrs.res.resource === 'namespaces') return labelsOf(attrs.object ?? attrs.oldObject);
  if (!attrs.namespace) return undefined;
  return labelsOf(await ctx.namespaces.get(attrs.namespace));
}

function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  return labelSelectorMatches(selector ?? {}, labels);
}

async function selectorsMatch(ctx: RegistryContext, hook: AdmissionWebhook, attrs: AdmissionAttributes, nsLabels: () => Promise<Record<string, string> | undefined>): Promise<boolean> {
  const objectSelected = selects(hook.objectSelector, labelsOf(attrs.object)) || (attrs.oldObject !== undefined && selects(hook.objectSelector, labelsOf(attrs.oldObject)));
  if (!objectSelected) return false;
  const labels = await nsLabels();
  return labels === undefined || selects(hook.namespaceSelector, labels);
}

/** The webhooks of the configurations in `collection` that `attrs` goes to, in calling order. */
export async function matchingWebhooks(ctx: RegistryContext, configurations: ResourceInfo, attrs: AdmissionAttributes): Promise<MatchedWebhook[]> {
  if (isExemptFromAdmissionHooks(attrs.res)) return [];
  const collection = ctx.watched.of(configurations);
  if (!collection.isSynced) await collection.synced;
  const configs = [...collection.values()].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  let cachedLabels: Promise<Record<string, string> | undefined> | undefined;
  const nsLabels = () => (cachedLabels ??= namespaceLabels(ctx, attrs));
  const matched: MatchedWebhook[] = [];
  for (const config of configs) {
    for (const hook of ((config as { webhooks?: AdmissionWebhook[] }).webhooks ?? [])) {
      const as = candidateResources(attrs.res, hook.matchPolicy !== 'Exact').find((res) => anyRuleMatches(hook.rules, {
        operation: attrs.operation, group: res.group, version: res.version, resource: res.resource,
        subresource: attrs.subresource, namespaced: Boolean(attrs.namespace),
      }));
      if (!as || !(await selectorsMatch(ctx, hook, attrs, nsLabels))) continue;
      matched.push({ hook, configuration: config.metadata.name!, as });
    }
  }
  return matched;
}

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
import type { MatchCondition } from './match-conditions.ts';
import { anyRuleMatches, type RuleWithOperations } from './rule-matcher.ts';

export interface AdmissionWebhook extends Selectors {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: 'Ignore' | 'Fail';
  matchPolicy?: 'Exact' | 'Equivalent';
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  matchConditions?: MatchCondition[];
}

/** A webhook to call, and the version of the resource it asked for (the request's own, or an equivalent one). */
export interface MatchedWebhook {
  hook: AdmissionWebhook;
  configuration: string;
  as: ResourceInfo;
}

const GROUP = 'admissionregistration.k8s.io';
const EXEMPT_KINDS = new Set([
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
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

export interface Selectors {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

/** The namespace's labels, read once per request however many webhooks or policies ask. */
export type NamespaceLabels = () => Promise<Record<string, string> | undefined>;

export function namespaceLabelsOnce(ctx: RegistryContext, attrs: AdmissionAttributes): NamespaceLabels {
  let cached: Promise<Record<string, string> | undefined> | undefined;
  return () => (cached ??= namespaceLabels(ctx, attrs));
}

/** objectSelector selects the new or the old object, and namespaceSelector the namespace (cluster-scoped requests always pass). */
export async function selectorsMatch(selectors: Selectors, attrs: AdmissionAttributes, nsLabels: NamespaceLabels): Promise<boolean> {
  const objectSelected =
    selects(selectors.objectSelector, labelsOf(attrs.object)) ||
    (attrs.oldObject !== undefined && selects(selectors.objectSelector, labelsOf(attrs.oldObject)));
  if (!objectSelected) return false;
  const labels = await nsLabels();
  return labels === undefined || selects(selectors.namespaceSelector, labels);
}

/** The version of the request's resource that `rules` match (the request's own first), or undefined. */
export function matchedResource(
  rules: readonly RuleWithOperations[] | undefined,
  matchPolicy: string | undefined,
  attrs: AdmissionAttributes,
): ResourceInfo | undefined {
  return candidateResources(attrs.res, matchPolicy !== 'Exact').find((res) =>
    anyRuleMatches(rules, {
      operation: attrs.operation,
      group: res.group,
      version: res.version,
      resource: res.resource,
      subresource: attrs.subresource,
      namespaced: Boolean(attrs.namespace),
    }),
  );
}

/** Every object of a cluster-scoped kind from the apiserver's watch, ordered by name as upstream orders configurations. */
export async function watchedByName(ctx: RegistryContext, res: ResourceInfo): Promise<KubeObject[]> {
  const collection = ctx.watched.of(res);
  if (!collection.isSynced) await collection.synced;
  return [...collection.values()].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

/** The webhooks of the configurations in `collection` that `attrs` goes to, in calling order. */
export async function matchingWebhooks(ctx: RegistryContext, configurations: ResourceInfo, attrs: AdmissionAttributes): Promise<MatchedWebhook[]> {
  if (isExemptFromAdmissionHooks(attrs.res)) return [];
  const configs = await watchedByName(ctx, configurations);
  const nsLabels = namespaceLabelsOnce(ctx, attrs);
  const matched: MatchedWebhook[] = [];
  for (const config of configs) {
    for (const hook of (config as { webhooks?: AdmissionWebhook[] }).webhooks ?? []) {
      const as = matchedResource(hook.rules, hook.matchPolicy, attrs);
      if (!as || !(await selectorsMatch(hook, attrs, nsLabels))) continue;
      matched.push({ hook, configuration: config.metadata.name!, as });
    }
  }
  return matched;
}

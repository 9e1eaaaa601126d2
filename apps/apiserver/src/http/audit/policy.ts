/**
 * The audit policy (audit.k8s.io/v1 Policy) and how a request is matched against it, as
 * kube-apiserver's audit/policy checker does: rules in order, the first whose every
 * non-empty field matches decides the level and the stages left out.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { UserInfo } from '../../registry/handlers.ts';
import type { RequestInfo } from '../request-info.ts';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

const LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** What the policy says about one request. */
export interface AuditDecision {
  level: AuditLevel;
  omitStages: ReadonlySet<AuditStage>;
  omitManagedFields: boolean;
}

const resources = (group: string, ...names: string[]): GroupResources => ({ group, resources: names });

/**
 * Skiff's policy when --audit-policy-file is not given (kube-apiserver logs nothing then;
 * Skiff always audits). Shaped like the policies GKE and kube-up ship: no probes, discovery
 * documents, metrics, event reads or lease heartbeats; Metadata for what holds credentials;
 * the body of every other write; Metadata for reads. RequestReceived is left out, halving
 * the volume: ResponseComplete carries everything it does.
 */
export const DEFAULT_AUDIT_POLICY: AuditPolicy = {
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', nonResourceURLs: ['/healthz*', '/readyz*', '/livez*', '/version', '/version/', '/openapi*', '/metrics'] },
    { level: 'None', verbs: ['get', 'list', 'watch'], resources: [resources('', 'events'), resources('events.k8s.io', 'events')] },
    { level: 'None', verbs: ['get', 'update'], resources: [resources('coordination.k8s.io', 'leases')] },
    { level: 'Metadata', resources: [resources('', 'secrets', 'configmaps', 'serviceaccounts/token'), resources('authentication.k8s.io', 'tokenreviews')] },
    // Status heartbeats of kubelets: the request shows what changed, the response would repeat it.
    { level: 'Request', userGroups: ['system:nodes'], verbs: ['update', 'patch'], resources: [resources('', 'nodes/status', 'pods/status')] },
    { level: 'RequestResponse', verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] },
    { level: 'Metadata' },
  ],
};

/**
 * Resources whose bodies carry credentials: whatever a policy asks, they are logged at
 * Metadata at most, so no secret value, bound token or reviewed token reaches the log.
 */
const CREDENTIAL_RESOURCES = new Set(['/secrets', '/serviceaccounts/token', 'authentication.k8s.io/tokenreviews']);

function carriesCredentials(info: RequestInfo): boolean {
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return info.isResourceRequest && CREDENTIAL_RESOURCES.has(`${info.group}/${resource}`);
}

/** The policy's decision for a request by `user` (the authenticated user, not an impersonated one). */
export function evaluatePolicy(policy: AuditPolicy, user: UserInfo, info: RequestInfo): AuditDecision {
  const rule = policy.rules.find((r) => ruleMatches(r, user, info));
  let level: AuditLevel = rule?.level ?? 'None';
  if (carriesCredentials(info) && LEVELS.indexOf(level) > LEVELS.indexOf('Metadata')) level = 'Metadata';
  return {
    level,
    omitStages: new Set([...(policy.omitStages ?? []), ...(rule?.omitStages ?? [])]),
    omitManagedFields: rule?.omitManagedFields ?? policy.omitManagedFields ?? false,
  };
}

function ruleMatches(rule: PolicyRule, user: UserInfo, info: RequestInfo): boolean {
  if (rule.users?.length && !rule.users.includes(user.username)) return false;
  if (rule.userGroups?.length && !rule.userGroups.some((g) => user.groups.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(info.verb)) return false;
  const wantsResource = Boolean(rule.resources?.length || rule.namespaces?.length);
  if (!wantsResource && !rule.nonResourceURLs?.length) return true;
  if (info.isResourceRequest) return !rule.nonResourceURLs?.length && matchesResource(rule, info);
  return !wantsResource && matchesNonResource(rule.nonResourceURLs ?? [], info.path);
}

function matchesResource(rule: PolicyRule, info: RequestInfo): boolean {
  if (rule.namespaces?.length && !rule.namespaces.includes(info.namespace ?? '')) return false;
  if (!rule.resources?.length) return true;
  const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return rule.resources.some((gr) => {
    if ((gr.group ?? '') !== info.group) return false;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(info.name)) return false;
    return gr.resources.some(
      (r) =>
        r === combined || r === '*' || (info.subresource !== '' && r === `*/${info.subresource}`) || (r.endsWith('/*') && r.slice(0, -2) === info.resource),
    );
  });
}

function matchesNonResource(urls: string[], path: string): boolean {
  return urls.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** Reads --audit-policy-file (YAML or JSON); a policy that does not make sense stops the apiserver. */
export function loadAuditPolicy(path: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`--audit-policy-file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseAuditPolicy(doc, path);
}

export function parseAuditPolicy(doc: unknown, source = 'audit policy'): AuditPolicy {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (!doc || typeof doc !== 'object') fail('want an audit.k8s.io/v1 Policy object');
  const d = doc as Record<string, unknown>;
  if (d.kind !== 'Policy' || d.apiVersion !== 'audit.k8s.io/v1')
    fail(`want kind Policy, apiVersion audit.k8s.io/v1, got ${String(d.kind)} ${String(d.apiVersion)}`);
  if (!Array.isArray(d.rules) || d.rules.length === 0) fail('rules: at least one rule is required');
  const stages = (v: unknown, field: string): AuditStage[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return fail(`${field}: want a list of stages`);
    for (const s of v) if (!STAGES.includes(s as AuditStage)) fail(`${field}: unknown stage "${String(s)}"`);
    return v as AuditStage[];
  };
  const rules = (d.rules as unknown[]).map((raw, i): PolicyRule => {
    const r = (raw ?? {}) as Record<string, unknown>;
    if (!LEVELS.includes(r.level as AuditLevel)) fail(`rules[${i}].level: want one of ${LEVELS.join(', ')}, got "${String(r.level)}"`);
    if (Array.isArray(r.nonResourceURLs) && r.nonResourceURLs.length && (r.resources || r.namespaces)) {
      fail(`rules[${i}]: rules cannot apply to both regular resources and non-resource URLs`);
    }
    return { ...(r as unknown as PolicyRule), omitStages: stages(r.omitStages, `rules[${i}].omitStages`) };
  });
  return { rules, omitStages: stages(d.omitStages, 'omitStages'), omitManagedFields: d.omitManagedFields === true };
}

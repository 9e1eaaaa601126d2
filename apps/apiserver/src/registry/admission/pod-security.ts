/**
 * PodSecurity admission: the Pod Security Standards (privileged, baseline, restricted) per
 * namespace labels, as upstream's plugin/pkg/admission/security/podsecurity and the
 * pod-security-admission library it wraps.
 *
 * - Pods (create; updates that change an image, a container count, seccomp annotations or add
 *   an ephemeral container, as upstream: nothing else in a pod's spec can change) are refused
 *   when they break the namespace's `enforce` level: 403 `pods "x" is forbidden: violates
 *   PodSecurity "baseline:latest": hostPath volumes (volume "root")`. Those let in that break
 *   the `warn` level get a Warning header `would violate PodSecurity "restricted:latest": ...`.
 * - Workload objects (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
 *   ReplicationController, PodTemplate) are never refused: their pod template only gets the
 *   `warn` level's warnings (their pods meet `enforce` when the controller creates them).
 * - Namespaces: a label the policy parser cannot read refuses the write (422, the label's field
 *   error); an update that makes `enforce` stricter warns about the existing pods that break it.
 * - Exempt namespaces, users and runtime classes (config.ts) skip every check.
 * - The request's audit event gets upstream's annotations: `pod-security.kubernetes.io/enforce-policy`
 *   (`baseline:latest`, pods only), `.../audit-violations` (`would violate PodSecurity
 *   "restricted:latest": ...`, when the `audit` level is broken, refused or not) and `.../exempt`
 *   (`namespace`, `user` or `runtimeClass`).
 */
import { findResource, type Namespace, type Pod, type PodSpec } from '@skiff/api';
import { errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import type { PodMeta } from './pod-security/check-helpers.ts';
import { DEFAULT_POD_SECURITY, type PodSecurityConfig } from './pod-security/config.ts';
import { describeViolations, evaluatePod, levelVersionString, policyToEvaluate, type LevelVersion, type Policy } from './pod-security/policy.ts';
import { warningsForExistingPods } from './pod-security/namespace-pods.ts';

const podsResource = findResource('', 'v1', 'pods')!;
const namespacesResource = findResource('', 'v1', 'namespaces')!;

/** Where each workload kind keeps its pod template (`group/resource` → path). */
const TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['apps/deployments', ['spec', 'template']],
  ['apps/replicasets', ['spec', 'template']],
  ['apps/statefulsets', ['spec', 'template']],
  ['apps/daemonsets', ['spec', 'template']],
  ['batch/jobs', ['spec', 'template']],
  ['batch/cronjobs', ['spec', 'jobTemplate', 'spec', 'template']],
  ['/replicationcontrollers', ['spec', 'template']],
  ['/podtemplates', ['template']],
]);

const configOf = (ctx: RegistryContext): PodSecurityConfig => ctx.admission?.podSecurity ?? DEFAULT_POD_SECURITY;

function templateOf(obj: KubeObject, path: readonly string[]): { metadata?: PodMeta; spec?: PodSpec } | undefined {
  let at: unknown = obj;
  for (const key of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'object' && at !== null ? (at as { metadata?: PodMeta; spec?: PodSpec }) : undefined;
}

/**
 * Namespaces whose labels this apiserver changed a moment ago, until when: pods read them live
 * meanwhile, so a pod created right after `kubectl label ns x ...enforce=privileged` meets the
 * new label, not the cache's old one (as NamespaceLifecycle's force-live-lookup set).
 */
const LIVE_LOOKUP_MS = 10_000;
const relabelled = new WeakMap<RegistryContext, Map<string, number>>();

function noteRelabel(ctx: RegistryContext, name: string): void {
  let names = relabelled.get(ctx);
  if (!names) relabelled.set(ctx, (names = new Map()));
  names.set(name, Date.now() + LIVE_LOOKUP_MS);
}

async function namespaceLabels(ctx: RegistryContext, name: string): Promise<Record<string, string> | undefined> {
  const names = relabelled.get(ctx);
  const until = names?.get(name);
  if (until !== undefined && until > Date.now()) {
    const live = await ctx.store.get(namespacesResource, undefined, name).catch(() => undefined);
    if (live) return live.metadata.labels;
  } else if (until !== undefined) names!.delete(name);
  return (await ctx.namespaces.get(name))?.metadata.labels;
}

async function namespacePolicy(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<Policy> {
  const labels = await namespaceLabels(ctx, attrs.namespace!);
  // NamespaceLifecycle refuses writes into a missing namespace; its labels are the defaults until then.
  return policyToEvaluate(labels, configOf(ctx).defaults).policy;
}

/** Upstream's audit annotations carry the plugin's prefix: `pod-security.kubernetes.io/audit-violations`. */
function annotate(attrs: AdmissionAttributes, key: 'enforce-policy' | 'audit-violations' | 'exempt', value: string): void {
  (attrs.auditAnnotations ??= {})[`pod-security.kubernetes.io/${key}`] = value;
}

/** Whether the request is exempt; an exempt one is annotated with why (`namespace`, `user`). */
function exempt(config: PodSecurityConfig, attrs: AdmissionAttributes): boolean {
  const reason =
    attrs.namespace !== undefined && config.exemptions.namespaces.includes(attrs.namespace)
      ? 'namespace'
      : config.exemptions.usernames.includes(attrs.user.username)
        ? 'user'
        : undefined;
  if (reason) annotate(attrs, 'exempt', reason);
  return reason !== undefined;
}

function exemptRuntimeClass(config: PodSecurityConfig, spec: PodSpec, attrs?: AdmissionAttributes): boolean {
  const exempted = Boolean(spec.runtimeClassName) && config.exemptions.runtimeClasses.includes(spec.runtimeClassName!);
  if (exempted && attrs) annotate(attrs, 'exempt', 'runtimeClass');
  return exempted;
}

const wouldViolate = (lv: LevelVersion, meta: PodMeta, spec: PodSpec): string | undefined => {
  const violations = evaluatePod(lv, meta, spec);
  return violations.length === 0 ? undefined : `would violate PodSecurity ${JSON.stringify(levelVersionString(lv))}: ${describeViolations(violations)}`;
};

function warnIfViolates(attrs: AdmissionAttributes, warn: LevelVersion, meta: PodMeta, spec: PodSpec): void {
  const warning = wouldViolate(warn, meta, spec);
  if (warning) (attrs.warnings ??= []).push(warning);
}

function auditIfViolates(attrs: AdmissionAttributes, audit: LevelVersion, meta: PodMeta, spec: PodSpec): void {
  const violation = wouldViolate(audit, meta, spec);
  if (violation) annotate(attrs, 'audit-violations', violation);
}

/** Pod updates upstream evaluates: what pod validation lets change and could weaken the pod. */
function isSignificantPodUpdate(pod: Pod, old: Pod): boolean {
  const seccompPod = 'seccomp.security.alpha.kubernetes.io/pod';
  const annotations = pod.metadata?.annotations ?? {};
  const oldAnnotations = old.metadata?.annotations ?? {};
  if (annotations[seccompPod] !== oldAnnotations[seccompPod]) return true;
  const changed = (c: { name: string; image?: string }, o: { name: string; image?: string } | undefined): boolean => {
    if (!o || c.image !== o.image) return true;
    const key = `container.seccomp.security.alpha.kubernetes.io/${c.name}`;
    return annotations[key] !== oldAnnotations[key];
  };
  for (const field of ['containers', 'initContainers'] as const) {
    const now = pod.spec?.[field] ?? [];
    const before = old.spec?.[field] ?? [];
    if (now.length !== before.length || now.some((c, i) => changed(c, before[i]))) return true;
  }
  const oldEphemeral = old.spec?.ephemeralContainers ?? [];
  return (pod.spec?.ephemeralContainers ?? []).some((c) =>
    changed(
      c,
      oldEphemeral.find((o) => o.name === c.name),
    ),
  );
}

async function validatePod(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<void> {
  if (attrs.subresource !== '' && attrs.subresource !== 'ephemeralcontainers') return;
  if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
  const config = configOf(ctx);
  if (exempt(config, attrs)) return;
  const pod = attrs.object as unknown as Pod | undefined;
  if (!pod?.spec || exemptRuntimeClass(config, pod.spec, attrs)) return;
  if (attrs.operation === 'UPDATE' && attrs.oldObject && !isSignificantPodUpdate(pod, attrs.oldObject as unknown as Pod)) return;
  const policy = await namespacePolicy(ctx, attrs);
  annotate(attrs, 'enforce-policy', levelVersionString(policy.enforce));
  const violations = evaluatePod(policy.enforce, pod.metadata ?? {}, pod.spec);
  // Audited whether or not enforce refuses the pod, as upstream.
  auditIfViolates(attrs, policy.audit, pod.metadata ?? {}, pod.spec);
  if (violations.length > 0) {
    throw errors.forbidden(
      qualifiedOf(attrs.res),
      attrs.name,
      `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${describeViolations(violations)}`,
    );
  }
  warnIfViolates(attrs, policy.warn, pod.metadata ?? {}, pod.spec);
}

async function validateWorkload(ctx: RegistryContext, attrs: AdmissionAttributes, path: readonly string[]): Promise<void> {
  if (attrs.subresource !== '' || (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') || !attrs.object) return;
  const config = configOf(ctx);
  if (exempt(config, attrs)) return;
  const template = templateOf(attrs.object, path);
  if (!template?.spec || exemptRuntimeClass(config, template.spec, attrs)) return;
  const policy = await namespacePolicy(ctx, attrs);
  auditIfViolates(attrs, policy.audit, template.metadata ?? {}, template.spec);
  warnIfViolates(attrs, policy.warn, template.metadata ?? {}, template.spec);
}

async function validateNamespace(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<void> {
  if (attrs.subresource !== '' || (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE')) return;
  const ns = attrs.object as unknown as Namespace | undefined;
  const old = attrs.oldObject as unknown as Namespace | undefined;
  const labels = ns?.metadata?.labels;
  if (attrs.operation === 'UPDATE' && JSON.stringify(labels ?? {}) === JSON.stringify(old?.metadata?.labels ?? {})) return;
  const config = configOf(ctx);
  const { policy, errors: labelErrors } = policyToEvaluate(labels, config.defaults);
  if (labelErrors.length > 0) throw errors.invalid('Namespace', '', attrs.name, labelErrors);
  if (attrs.operation === 'UPDATE') noteRelabel(ctx, attrs.name);
  if (attrs.operation !== 'UPDATE' || policy.enforce.level === 'privileged' || config.exemptions.namespaces.includes(attrs.name)) return;
  const before = policyToEvaluate(old?.metadata?.labels, config.defaults).policy.enforce;
  if (levelVersionString(before) === levelVersionString(policy.enforce)) return;
  const warnings = await warningsForExistingPods(ctx, podsResource, attrs.name, policy.enforce, (spec) => exemptRuntimeClass(config, spec));
  if (warnings.length > 0) (attrs.warnings ??= []).push(...warnings);
}

export const podSecurityAdmission: AdmissionPlugin = {
  name: 'PodSecurity',
  async validate(ctx, attrs) {
    const { group, resource } = attrs.res;
    if (group === '' && resource === 'pods') return validatePod(ctx, attrs);
    if (group === '' && resource === 'namespaces') return validateNamespace(ctx, attrs);
    const templatePath = TEMPLATE_PATHS.get(`${group}/${resource}`);
    if (templatePath) return validateWorkload(ctx, attrs, templatePath);
  },
};

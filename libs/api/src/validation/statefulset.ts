/** StatefulSet and ControllerRevision validation (ValidateStatefulSet*, ValidateControllerRevision* in pkg/apis/apps/validation). */
import { checkDns1123Subdomain } from '../names.ts';
import { type FieldError, deepEqual, forbidden, immutable, invalid, invalidEach, isObject, nonNegative, notSupported, required } from './field-error.ts';
import { validateAnnotations, validateLabels } from './meta.ts';
import { validatePersistentVolumeClaimSpec } from './storage.ts';
import { isZeroIntOrPercent, validateIntOrPercent, validateRestartAlways, validateSelectorAndTemplate } from './workloads.ts';

const retentionPolicies = ['Retain', 'Delete'];

function validateUpdateStrategy(strategy: any): FieldError[] {
  const path = 'spec.updateStrategy';
  if (!isObject(strategy) || !strategy.type) return [required(path)];
  if (strategy.type === 'OnDelete') {
    return strategy.rollingUpdate == null ? [] : [invalid(`${path}.rollingUpdate`, strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")];
  }
  if (strategy.type !== 'RollingUpdate') return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  const rolling = strategy.rollingUpdate;
  if (!isObject(rolling)) return [];
  const errs = nonNegative(`${path}.rollingUpdate.partition`, rolling.partition);
  if (rolling.maxUnavailable != null) {
    errs.push(...validateIntOrPercent(rolling.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`));
    if (isZeroIntOrPercent(rolling.maxUnavailable)) errs.push(invalid(`${path}.rollingUpdate.maxUnavailable`, rolling.maxUnavailable, 'cannot be 0'));
  }
  return errs;
}

function validateRetentionPolicy(policy: unknown): FieldError[] {
  if (!isObject(policy)) return [];
  const errs: FieldError[] = [];
  for (const key of ['whenDeleted', 'whenScaled']) {
    if (!retentionPolicies.includes(policy[key])) {
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, policy[key] ?? '', retentionPolicies));
    }
  }
  return errs;
}

function validateVolumeClaimTemplates(claims: unknown): FieldError[] {
  if (claims == null) return [];
  if (!Array.isArray(claims)) return [invalid('spec.volumeClaimTemplates', claims, 'must be a list')];
  return claims.flatMap((claim, i) => {
    const path = `spec.volumeClaimTemplates[${i}]`;
    if (!isObject(claim)) return [invalid(path, claim, 'must be an object')];
    const errs: FieldError[] = [];
    const name = claim.metadata?.name;
    if (typeof name !== 'string' || name === '') errs.push(required(`${path}.metadata.name`, 'name or generateName is required'));
    else errs.push(...invalidEach(`${path}.metadata.name`, name, checkDns1123Subdomain(name)));
    errs.push(...validateLabels(claim.metadata?.labels, `${path}.metadata.labels`));
    errs.push(...validateAnnotations(claim.metadata?.annotations, `${path}.metadata.annotations`));
    errs.push(...validatePersistentVolumeClaimSpec(claim.spec, `${path}.spec`));
    return errs;
  });
}

export function validateStatefulSet(sts: any): FieldError[] {
  const spec = sts.spec;
  if (!isObject(spec)) return [required('spec')];
  const errs: FieldError[] = [];
  const policy = spec.podManagementPolicy;
  if (!policy) errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec.updateStrategy));
  errs.push(...validateRetentionPolicy(spec.persistentVolumeClaimRetentionPolicy));
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  if (isObject(spec.ordinals)) errs.push(...nonNegative('spec.ordinals.start', spec.ordinals.start));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  errs.push(...validateSelectorAndTemplate(withClaimVolumes(spec), 'statefulset'));
  errs.push(...validateRestartAlways(spec.template, 'spec.template'));
  if (spec.template?.spec?.activeDeadlineSeconds != null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  errs.push(...validateVolumeClaimTemplates(spec.volumeClaimTemplates));
  return errs;
}

/**
 * The spec with each volumeClaimTemplate as a pod volume of its name, as the controller
 * makes the pods: mounts of a claim are then valid. Upstream skips the template's pod spec
 * altogether here; Skiff checks it, counting the claims.
 */
function withClaimVolumes(spec: any): any {
  const claims = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [];
  const podSpec = spec.template?.spec;
  if (claims.length === 0 || !isObject(podSpec)) return spec;
  const volumes: any[] = Array.isArray(podSpec.volumes) ? podSpec.volumes : [];
  const have = new Set(volumes.map((v) => v?.name));
  const extra = claims
    .map((c: any) => c?.metadata?.name)
    .filter((name: unknown) => typeof name === 'string' && name !== '' && !have.has(name))
    .map((name: string) => ({ name, persistentVolumeClaim: { claimName: name } }));
  return { ...spec, template: { ...spec.template, spec: { ...podSpec, volumes: [...volumes, ...extra] } } };
}

/** The fields of a StatefulSet's spec an update may change; everything else (selector, serviceName, claims) is fixed. */
const mutableSpecFields = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

export function validateStatefulSetUpdate(sts: any, old: any): FieldError[] {
  const rest = (spec: unknown) => Object.fromEntries(Object.entries(isObject(spec) ? spec : {}).filter(([k]) => !mutableSpecFields.includes(k)));
  if (deepEqual(rest(sts.spec), rest(old.spec))) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export function validateControllerRevision(rev: any): FieldError[] {
  const errs: FieldError[] = [];
  if (rev.data == null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative('revision', rev.revision));
  return errs;
}

export function validateControllerRevisionUpdate(rev: any, old: any): FieldError[] {
  return immutable('data', rev.data, old.data);
}

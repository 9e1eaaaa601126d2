/** Pod and PodSpec validation (ValidatePodSpec, ValidatePodUpdate in pkg/apis/core/validation). */
import { volumeSourceNames } from '../defaults/pod.ts';
import { checkDns1123Label, checkDns1123Subdomain } from '../names.ts';
import { validateContainers } from './container.ts';
import { type FieldError, deepEqual, duplicate, forbidden, invalid, invalidEach, isObject, nonNegative, notSupported, required } from './field-error.ts';
import { validateLabels } from './meta.ts';
import { validatePreemptionPolicy } from './scheduling.ts';

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const tolerationOperators = ['Equal', 'Exists'];
const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

function validateVolumes(volumes: unknown, path: string): { errs: FieldError[]; names: Set<string> } {
  const names = new Set<string>();
  if (volumes === undefined || volumes === null) return { errs: [], names };
  if (!Array.isArray(volumes)) return { errs: [invalid(path, volumes, 'must be a list')], names };
  const errs: FieldError[] = [];
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(v)) return void errs.push(invalid(p, v, 'must be an object'));
    if (!v.name) errs.push(required(`${p}.name`));
    else {
      errs.push(...invalidEach(`${p}.name`, v.name, checkDns1123Label(String(v.name))));
      if (names.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    const sources = volumeSourceNames().filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) errs.push(required(p, 'must specify a volume type'));
    else if (sources.length > 1) errs.push(forbidden(`${p}.${sources[1]}`, 'may not specify more than 1 volume type'));
    if (v.hostPath && !v.hostPath.path) errs.push(required(`${p}.hostPath.path`));
    if (v.secret && !v.secret.secretName) errs.push(required(`${p}.secret.secretName`));
    if (v.configMap && !v.configMap.name) errs.push(required(`${p}.configMap.name`));
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(required(`${p}.persistentVolumeClaim.claimName`));
    for (const src of ['secret', 'configMap', 'downwardAPI', 'projected']) {
      const mode = v[src]?.defaultMode;
      if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o777)) {
        errs.push(invalid(`${p}.${src}.defaultMode`, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
      }
    }
  });
  return { errs, names };
}

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  if (tolerations === undefined || tolerations === null) return [];
  if (!Array.isArray(tolerations)) return [invalid(path, tolerations, 'must be a list')];
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(t)) return void errs.push(invalid(p, t, 'must be an object'));
    if (t.key) errs.push(...invalidLabelKey(`${p}.key`, t.key));
    if (t.operator !== undefined && !tolerationOperators.includes(t.operator)) errs.push(notSupported(`${p}.operator`, t.operator, tolerationOperators));
    if (!t.key && t.operator !== 'Exists')
      errs.push(invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.operator === 'Exists' && t.value) errs.push(invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.effect !== undefined && t.effect !== '' && !taintEffects.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, taintEffects));
  });
  return errs;
}

function invalidLabelKey(path: string, key: string): FieldError[] {
  return validateLabels({ [key]: '' }, path);
}

export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  if (!isObject(spec)) return [required(path)];
  const errs: FieldError[] = [];
  const { errs: volumeErrs, names: volumes } = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...volumeErrs);
  const containerNames = new Set<string>();
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  if (spec.initContainers !== undefined && spec.initContainers !== null) {
    errs.push(...validateContainers(spec.initContainers, `${path}.initContainers`, { volumes, init: true }, containerNames));
  }
  if (Array.isArray(spec.containers)) {
    errs.push(...validateContainers(spec.containers, `${path}.containers`, { volumes, init: false }, containerNames));
  }
  if (spec.restartPolicy !== undefined && !restartPolicies.includes(spec.restartPolicy)) {
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(spec.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = spec.activeDeadlineSeconds;
    if (!Number.isInteger(v) || v < 1) errs.push(invalid(`${path}.activeDeadlineSeconds`, v, 'must be between 1 and 2147483647, inclusive'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const f of ['nodeName', 'serviceAccountName', 'hostname', 'subdomain']) {
    const v = spec[f];
    if (v === undefined || v === '') continue;
    const check = f === 'nodeName' || f === 'serviceAccountName' ? checkDns1123Subdomain : checkDns1123Label;
    errs.push(...invalidEach(`${path}.${f}`, v, check(String(v))));
  }
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  // The class must exist too, but that is the Priority admission plugin's to say (403), on pods only.
  if (typeof spec.priorityClassName === 'string' && spec.priorityClassName !== '') {
    errs.push(...invalidEach(`${path}.priorityClassName`, spec.priorityClassName, checkDns1123Subdomain(spec.priorityClassName)));
  }
  errs.push(...validatePreemptionPolicy(spec.preemptionPolicy, `${path}.preemptionPolicy`));
  if (Array.isArray(spec.imagePullSecrets)) {
    spec.imagePullSecrets.forEach((s: any, i: number) => {
      if (!s?.name) errs.push(required(`${path}.imagePullSecrets[${i}].name`));
    });
  }
  return errs;
}

export function validatePod(pod: any): FieldError[] {
  return validatePodSpec(pod.spec, 'spec');
}

const podUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * ValidatePodUpdate: a pod's spec is immutable except images, activeDeadlineSeconds (set or
 * lowered), added tolerations, removed scheduling gates, and nodeName only through binding.
 */
export function validatePodUpdate(pod: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pod.spec ?? {};
  const prev = old.spec ?? {};
  if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds !== null) {
    const next = spec.activeDeadlineSeconds;
    if (next === undefined || next === null || next > prev.activeDeadlineSeconds) {
      errs.push(invalid('spec.activeDeadlineSeconds', next ?? null, 'must be less than or equal to previous value'));
    }
  }
  // Compare with the mutable parts copied over from the new spec.
  const mutated = structuredClone(prev);
  for (const list of ['containers', 'initContainers'] as const) {
    if (Array.isArray(mutated[list]) && Array.isArray(spec[list]) && mutated[list].length === spec[list].length) {
      mutated[list].forEach((c: any, i: number) => {
        if (c && spec[list][i]) c.image = spec[list][i].image;
      });
    }
  }
  mutated.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  const oldTolerations: any[] = prev.tolerations ?? [];
  const newTolerations: any[] = spec.tolerations ?? [];
  if (oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)))) mutated.tolerations = spec.tolerations;
  const oldGates: any[] = prev.schedulingGates ?? [];
  const newGates: any[] = spec.schedulingGates ?? [];
  if (newGates.every((g) => oldGates.some((o) => deepEqual(o, g)))) mutated.schedulingGates = spec.schedulingGates;
  if (prev.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) mutated.terminationGracePeriodSeconds = 1;
  if (!deepEqual(mutated, spec)) {
    if (prev.nodeName && spec.nodeName !== prev.nodeName) errs.push(invalid('spec.nodeName', spec.nodeName ?? '', 'field is immutable'));
    errs.push(forbidden('spec', podUpdateMessage));
  }
  return errs;
}

/** Job and CronJob validation (pkg/apis/batch/validation). */
import { checkTimeZone, cronScheduleError } from '../cron-schedule.ts';
import { fromLabelSelector } from '../label-selector.ts';
import { type FieldError, immutable, invalid, isObject, nonNegative, notSupported, required } from './field-error.ts';
import { validateAnnotations, validateLabelSelector, validateLabels } from './meta.ts';
import { validatePodFailurePolicy } from './pod-failure-policy.ts';
import { validateSelectorMatchesTemplate, validateTemplate } from './workloads.ts';

/** Labels the server puts on a Job's pods when it picks the selector (batch/v1 constants). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const completionModes = ['NonIndexed', 'Indexed'];
const replacementPolicies = ['TerminatingOrFailed', 'Failed'];
const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];
// The cronjob controller names each Job `<cronjob>-<11-character suffix>`, and Job names are DNS labels.
const MAX_CRONJOB_NAME_LENGTH = 63 - 11;

function validateCompletionMode(spec: any, path: string): FieldError[] {
  const mode = spec.completionMode;
  if (mode == null) return [];
  if (!completionModes.includes(mode)) return [notSupported(`${path}.completionMode`, mode, completionModes)];
  const errs: FieldError[] = [];
  if (mode === 'Indexed') {
    if (spec.completions == null) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
    if (typeof spec.parallelism === 'number' && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
      errs.push(
        invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`),
      );
    }
  }
  if (mode === 'NonIndexed' && spec.backoffLimitPerIndex != null) {
    errs.push(invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
  }
  return errs;
}

function validateReplacementPolicy(spec: any, path: string): FieldError[] {
  const policy = spec.podReplacementPolicy;
  if (policy == null) return [];
  // A failure policy needs the pod's final state before judging it, so only Failed is allowed with one.
  const allowed = spec.podFailurePolicy != null ? ['Failed'] : replacementPolicies;
  return allowed.includes(policy) ? [] : [notSupported(`${path}.podReplacementPolicy`, policy, allowed)];
}

/** Pods of a Job must end; Always would never let it complete, and SetDefaults_PodSpec fills Always in when unset. */
function validateJobRestartPolicy(spec: any, path: string): FieldError[] {
  const field = `${path}.template.spec.restartPolicy`;
  const policy = spec.template?.spec?.restartPolicy;
  if (policy === undefined || policy === '' || policy === 'Always') return [required(field, 'valid values: "OnFailure", "Never"')];
  if (policy !== 'OnFailure' && policy !== 'Never') return [notSupported(field, policy, ['OnFailure', 'Never'])];
  if (spec.podFailurePolicy != null && policy !== 'Never') return [invalid(field, policy, 'only "Never" is supported when podFailurePolicy is specified')];
  return [];
}

/** validateJobSpec: what a Job and a CronJob's job template share (no selector rules). */
function validateJobSpecFields(spec: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
  ]) {
    errs.push(...nonNegative(`${path}.${f}`, spec[f]));
  }
  if (spec.maxFailedIndexes != null && spec.backoffLimitPerIndex == null) {
    errs.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  errs.push(...validateCompletionMode(spec, path));
  if (spec.podFailurePolicy != null) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  errs.push(...validateReplacementPolicy(spec, path));
  errs.push(...validateTemplate(spec.template, `${path}.template`));
  errs.push(...validateJobRestartPolicy(spec, path));
  return errs;
}

/** ValidateHasLabel on the pod template. */
function hasLabel(labels: Record<string, string> | undefined, key: string, want: string): FieldError[] {
  const field = `spec.template.metadata.labels[${key}]`;
  const got = labels?.[key];
  if (got === undefined) return [required(field)];
  return got === want ? [] : [invalid(field, got, `must be '${want}'`)];
}

/** ValidateGeneratedSelector: unless the user chose the selector, it must be the one the server generated. */
function validateGeneratedSelector(job: any): FieldError[] {
  const spec = job.spec;
  if (spec.manualSelector === true || !isObject(spec.selector)) return [];
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const errs: FieldError[] = [];
  if (!uid) errs.push(required('metadata.uid'));
  const labels = spec.template?.metadata?.labels;
  errs.push(...hasLabel(labels, LEGACY_JOB_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  errs.push(...hasLabel(labels, JOB_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, JOB_NAME_LABEL, name));
  const expected = {
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_JOB_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
  try {
    if (!fromLabelSelector(spec.selector).matches(expected)) errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  } catch {
    // A malformed selector is reported by validateLabelSelector.
  }
  return errs;
}

export function validateJob(job: any): FieldError[] {
  const spec = job.spec;
  if (!isObject(spec)) return [required('spec')];
  const errs = validateGeneratedSelector(job);
  errs.push(...validateJobSpecFields(spec, 'spec'));
  if (!isObject(spec.selector)) {
    errs.push(required('spec.selector'));
  } else {
    const selectorErrs = validateLabelSelector(spec.selector, 'spec.selector');
    errs.push(...selectorErrs);
    if (selectorErrs.length === 0) errs.push(...validateSelectorMatchesTemplate(spec, 'spec'));
  }
  return errs;
}

/**
 * The old template to compare an update's with. A Job suspended before it ever started may
 * still be told where to run (how queueing controllers such as Kueue place it): its pods'
 * labels, annotations, node selector, node affinity, tolerations and scheduling gates may
 * change, so they are taken from the new template.
 */
function comparableOldTemplate(job: any, old: any): unknown {
  const oldTemplate = old.spec?.template;
  const template = job.spec?.template;
  if (old.spec?.suspend !== true || old.status?.startTime != null || !isObject(oldTemplate) || !isObject(template)) return oldTemplate;
  const merged = structuredClone(oldTemplate);
  merged.metadata = { ...merged.metadata, labels: template.metadata?.labels, annotations: template.metadata?.annotations };
  const spec = (merged.spec ??= {});
  const next = template.spec ?? {};
  for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) spec[f] = next[f];
  const { nodeAffinity: _old, ...otherAffinity } = isObject(spec.affinity) ? spec.affinity : {};
  const affinity = next.affinity?.nodeAffinity !== undefined ? { ...otherAffinity, nodeAffinity: next.affinity.nodeAffinity } : otherAffinity;
  spec.affinity = Object.keys(affinity).length > 0 || next.affinity !== undefined ? affinity : undefined;
  return merged;
}

/**
 * What a running Job may not change: its selector and pods' template (the controller counts
 * pods by them), how completions are tracked, and how failures are judged. Completions may
 * change only for an elastic Indexed Job that keeps completions equal to parallelism.
 */
export function validateJobUpdate(job: any, old: any): FieldError[] {
  const spec = job.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs: FieldError[] = [];
  const elastic =
    spec.completionMode === 'Indexed' &&
    spec.completions != null &&
    spec.completions === spec.parallelism &&
    oldSpec.completions != null &&
    oldSpec.completions === oldSpec.parallelism;
  if (!elastic) errs.push(...immutable('spec.completions', spec.completions, oldSpec.completions));
  errs.push(...immutable('spec.selector', spec.selector, oldSpec.selector));
  errs.push(...immutable('spec.template', spec.template, comparableOldTemplate(job, old)));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...immutable(`spec.${f}`, spec[f], oldSpec[f]));
  }
  return errs;
}

function validateJobTemplate(template: any, path: string): FieldError[] {
  if (!isObject(template)) return [required(path)];
  const errs = [
    ...validateLabels(template.metadata?.labels, `${path}.metadata.labels`),
    ...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`),
  ];
  const spec = isObject(template.spec) ? template.spec : {};
  errs.push(...validateJobSpecFields(spec, `${path}.spec`));
  // Each Job made from the template gets a selector of its own.
  if (spec.selector != null) errs.push(invalid(`${path}.spec.selector`, spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(notSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateTimeZone(timeZone: unknown): FieldError[] {
  if (timeZone == null) return [];
  if (timeZone === '') return [invalid('spec.timeZone', timeZone, 'timeZone must be nil or non-empty string')];
  if (typeof timeZone === 'string' && timeZone.toLowerCase() === 'local') {
    return [invalid('spec.timeZone', timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  }
  try {
    checkTimeZone(String(timeZone));
    return [];
  } catch (err) {
    return [invalid('spec.timeZone', timeZone, (err as Error).message)];
  }
}

function validateCronJobSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof spec.schedule !== 'string' || spec.schedule === '') {
    errs.push(required('spec.schedule'));
  } else {
    const message = cronScheduleError(spec.schedule);
    if (message) errs.push(invalid('spec.schedule', spec.schedule, message));
  }
  errs.push(...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  errs.push(...validateTimeZone(spec.timeZone));
  if (!spec.concurrencyPolicy) errs.push(required('spec.concurrencyPolicy'));
  else if (!concurrencyPolicies.includes(spec.concurrencyPolicy))
    errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, concurrencyPolicies));
  errs.push(...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
  return errs;
}

export function validateCronJob(cj: any): FieldError[] {
  const spec = cj.spec;
  const errs = isObject(spec) ? validateCronJobSpec(spec) : [required('spec')];
  const name = cj.metadata?.name;
  if (typeof name === 'string' && name.length > MAX_CRONJOB_NAME_LENGTH) {
    errs.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  return errs;
}

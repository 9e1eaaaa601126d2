import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { Strategy } from './strategy.ts';
import { clearStatusOnCreate } from './default.ts';

interface JobSpec {
  manualSelector?: boolean;
  selector?: { matchLabels?: Record<string, string> };
  template?: { metadata?: { labels?: Record<string, string> } };
}

/**
 * Gives the Job's pods labels only this Job carries (its uid) and selects them, as the job
 * strategy's generateSelector does. Labels the user already set are left for validation to
 * judge. The Job's own labels default to its template's, as decoding defaults them upstream
 * before the generated ones are added: copy them first so the defaulter does not pick those up.
 */
function generateSelector(job: KubeObject): void {
  const spec = job.spec as JobSpec;
  spec.template ??= {};
  spec.template.metadata ??= {};
  const templateLabels = spec.template.metadata.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  const labels = (spec.template.metadata.labels ??= {});
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= name;
  for (const key of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  spec.selector.matchLabels[JOB_CONTROLLER_UID_LABEL] ??= uid;
}

/** Jobs: status is the controller's; unless the user asked to choose it, the server picks the selector. */
export const jobStrategy: Strategy = {
  ...clearStatusOnCreate,
  prepareForCreate(obj) {
    clearStatusOnCreate.prepareForCreate(obj);
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
    if ((spec as JobSpec).manualSelector !== true) generateSelector(obj);
  },
};

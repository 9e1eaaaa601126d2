import { deepEqual } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { Strategy } from './strategy.ts';
import { clearStatusOnCreate } from './default.ts';

/**
 * apps/v1 has no spec.templateGeneration; Kubernetes keeps the internal field in this
 * annotation (the v1 conversion), counting the template's changes from 1.
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function setTemplateGeneration(ds: KubeObject, generation: number): void {
  ds.metadata.annotations = { ...ds.metadata.annotations, [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

function templateGeneration(ds: KubeObject): number {
  const n = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function template(ds: KubeObject): unknown {
  return (ds.spec as { template?: unknown } | undefined)?.template;
}

/** DaemonSets: status is the controller's; the template generation starts at 1 and counts template changes. */
export const daemonSetStrategy: Strategy = {
  ...clearStatusOnCreate,
  prepareForCreate(obj) {
    clearStatusOnCreate.prepareForCreate(obj);
    setTemplateGeneration(obj, 1);
  },
  prepareForUpdate(obj, old) {
    const previous = templateGeneration(old);
    // A client that drops the annotation (a PUT of its own manifest) does not reset the count.
    setTemplateGeneration(obj, deepEqual(template(obj), template(old)) ? previous || 1 : previous + 1);
  },
};

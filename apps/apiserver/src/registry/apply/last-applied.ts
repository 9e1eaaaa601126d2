/**
 * kubectl's client-side apply annotation, as kube-apiserver treats it when kubectl itself
 * applies server-side (manager `kubectl`; any other manager opts out, as upstream):
 * - a conflict on a field the annotation holds, whose live value is still the one
 *   client-side apply set, is no conflict: the apply takes the field (lastAppliedManager);
 * - after a successful apply the annotation, when the object has one, is rewritten to the
 *   applied configuration, so a later client-side `kubectl apply` diffs against what was
 *   really applied last (lastAppliedUpdater).
 */
import { sortKeys } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { isPlainObject } from '../object-helpers.ts';
import { FieldSet } from './field-set.ts';
import { compareValues, fieldsOf } from './field-walk.ts';
import type { TypeHint } from './type-hint.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The only manager whose applies read and write the annotation. */
export const KUBECTL_MANAGER = 'kubectl';

function annotationOf(obj: KubeObject): string | undefined {
  const value = obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The fields client-side apply last set and that still hold its values: the annotation's
 * fields minus those the live object changed, added or lost since. Empty when there is
 * no usable annotation (unparsable, or written for another apiVersion).
 */
export function fieldsStillLastApplied(live: KubeObject, apiVersion: string, hint: TypeHint): FieldSet {
  const text = annotationOf(live);
  if (text === undefined) return new FieldSet();
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isPlainObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return new FieldSet();
  const cmp = compareValues(lastApplied, live, hint);
  return fieldsOf(lastApplied, hint).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/** Rewrites an existing annotation (in place) to `config` without it, keys sorted as Go's encoder writes them. */
export function syncLastApplied(obj: KubeObject, config: KubeObject): void {
  if (annotationOf(obj) === undefined) return;
  const applied = structuredClone(config);
  if (applied.metadata.annotations) delete applied.metadata.annotations[LAST_APPLIED_ANNOTATION];
  obj.metadata.annotations = { ...obj.metadata.annotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(sortKeys(applied)) };
}

/** The label + field selector filter the registry applies to lists and watches. */
import type { ResourceInfo } from './resource-info.ts';
import { compileFieldSelector, type FieldSet } from './field-selector.ts';
import { parseLabelSelector } from './label-selector.ts';

/**
 * `compileListFilter(pods, 'app=web', 'spec.nodeName=node-1')` → predicate on objects.
 * Throws SelectorError (→ 400 BadRequest) on bad syntax or an unsupported field; `fieldSet`
 * replaces the resource's built-in selectable fields (custom resources).
 */
export function compileListFilter(
  res: Pick<ResourceInfo, 'group' | 'resource'>,
  labelSelector?: string,
  fieldSelector?: string,
  fieldSet?: FieldSet,
): (obj: any) => boolean {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? compileFieldSelector(res, fieldSelector, fieldSet) : undefined;
  if (!labels?.requirements.length && !fields) return () => true;
  return (obj) => (labels ? labels.matches(obj?.metadata?.labels) : true) && (fields ? fields(obj) : true);
}

/** The label + field selector filter the registry applies to lists and watches. */
import type { ResourceInfo } from './resource-info.ts';
import { compileFieldSelector } from './field-selector.ts';
import { parseLabelSelector } from './label-selector.ts';

/**
 * `compileListFilter(pods, 'app=web', 'spec.nodeName=node-1')` → predicate on objects.
 * Throws SelectorError (→ 400 BadRequest) on bad syntax or an unsupported field.
 */
export function compileListFilter(
  res: Pick<ResourceInfo, 'group' | 'resource'>,
  labelSelector?: string,
  fieldSelector?: string,
): (obj: any) => boolean {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? compileFieldSelector(res, fieldSelector) : undefined;
  if (!labels?.requirements.length && !fields) return () => true;
  return (obj) => (labels ? labels.matches(obj?.metadata?.labels) : true) && (fields ? fields(obj) : true);
}

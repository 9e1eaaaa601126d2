/**
 * Field selectors on custom objects (CRD `spec.versions[].selectableFields`, GA in 1.32): a
 * version selects on metadata.name, metadata.namespace and each of its selectable fields,
 * named by the jsonPath without its leading dot (`.spec.color` → `spec.color`). A field holds
 * a string, an integer or a boolean (the CRD's validation makes sure), compared as text; an
 * absent one reads as "". Any other field is refused in apiextensions-apiserver's words.
 */
import { metaFields, type FieldGetter, type FieldSet } from '@skiff/api';
import { fieldsOfSimplePath, valueAtFields } from './json-path.ts';
import type { CustomResourceInfo } from './served-resources.ts';

export function fieldSetOf(res: CustomResourceInfo): FieldSet {
  const fields: Record<string, FieldGetter> = { ...metaFields };
  for (const jsonPath of res.custom.selectableFields ?? []) {
    const path = fieldsOfSimplePath(jsonPath);
    if (path) fields[path.join('.')] = (obj) => scalarText(valueAtFields(obj, path));
  }
  return { fields, unsupported: (field) => `field label not supported: ${field}` };
}

function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

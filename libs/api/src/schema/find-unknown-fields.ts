/**
 * Unknown-field detection for `fieldValidation=Strict|Warn`: the paths of fields that
 * the object's type does not declare, spelled the way the Kubernetes apiserver reports
 * them ('spec.template.spec.containers[0].imagePullPolicyy').
 */
import { findModelName, parseApiVersion } from './builtin-kinds.ts';
import { getModel, type TypeRef } from './model-catalog.ts';

/**
 * Field paths in `obj` that the schema of apiVersion/kind does not have. Returns [] for
 * kinds we have no schema for (custom resources): there is nothing to judge them by.
 * Free-form values (RawExtension, IntOrString, map-typed fields such as labels) accept
 * any key; type mismatches are validation's business, not this function's.
 */
export function findUnknownFields(apiVersion: string, kind: string, obj: unknown): string[] {
  const modelName = findModelName({ ...parseApiVersion(apiVersion), kind });
  if (!modelName) return [];
  const unknown: string[] = [];
  walkValue({ kind: 'model', name: modelName }, obj, '', unknown);
  return unknown;
}

function walkValue(type: TypeRef, value: unknown, path: string, unknown: string[]): void {
  if (value === null || value === undefined) return;
  switch (type.kind) {
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => walkValue(type.items, item, `${path}[${i}]`, unknown));
      return;
    case 'map':
      if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) walkValue(type.values, item, joinPath(path, key), unknown);
      }
      return;
    case 'model':
      walkModel(type.name, value, path, unknown);
      return;
    default:
      return;
  }
}

function walkModel(modelName: string, value: unknown, path: string, unknown: string[]): void {
  const model = getModel(modelName);
  if (!model || !isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const field = model.fields.get(key);
    const fieldPath = joinPath(path, key);
    if (!field) {
      unknown.push(fieldPath);
      continue;
    }
    walkValue(field.type, item, fieldPath, unknown);
  }
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Explicit JSON nulls in objects of built-in kinds, read the way Kubernetes' Go decoder
 * reads them. Published manifests carry them (Longhorn's Services say `nodePort: null`
 * on ClusterIP ports), and kube-apiserver accepts those because a null field decodes to
 * a nil pointer, slice or map or to a zero scalar — i.e. the field is absent once the
 * object is serialised again (every optional field has `omitempty`). Without this,
 * defaulting and validation would see a present `nodePort` and refuse the Service.
 *
 * What a null becomes, by where it sits:
 * - a field of a struct: the field is removed (absent), whatever its type;
 * - a value in a map: Go decodes it into a fresh zero value and keeps the key, so in a
 *   map[string]string (labels, annotations, data, nodeSelector) `{a: null}` becomes
 *   `{a: ""}` — we do the same. Maps of anything else (structs, arrays) lose the key:
 *   their Go zero values are never what a writer of `null` meant, and an absent key is
 *   what a merge patch's null would have produced. (Quantities are strings in our
 *   schema, so `limits: {cpu: null}` becomes "" and validation refuses it, where Go
 *   reads a zero quantity: a difference in the error, not in what gets stored.)
 * - an element of an array: Go appends a zero value, so `containers: [null]` is one
 *   container with no fields, which validation then reports field by field at its
 *   index (`spec.containers[0].name: Required value`); scalars become "", 0 or false.
 *   Elements with no sensible zero (nested arrays, maps, times) are removed.
 * - free-form JSON (RawExtension, JSONSchemaProps' `default`/`enum`): left as sent,
 *   null is a value there; fields this schema does not know are left too, so that
 *   fieldValidation still reports them.
 *
 * Kinds without a schema here (custom resources) are left alone: their nulls are the
 * business of their own structural schema.
 */
import { findModelName, parseApiVersion } from './builtin-kinds.ts';
import { getModel, type TypeRef } from './model-catalog.ts';
import { isJsonObject } from '../patch/json-value.ts';

/** Removes or zeroes, in place, every null in `obj` that Go would not keep as null. */
export function dropNullFields(apiVersion: string, kind: string, obj: unknown): void {
  const modelName = findModelName({ ...parseApiVersion(apiVersion), kind });
  if (modelName) visit({ kind: 'model', name: modelName }, obj);
}

function visit(type: TypeRef, value: unknown): void {
  if (type.kind === 'model' && isJsonObject(value)) {
    const model = getModel(type.name);
    if (!model) return;
    for (const [key, item] of Object.entries(value)) {
      const field = model.fields.get(key);
      if (!field) continue;
      if (item === null) delete value[key];
      else visit(field.type, item);
    }
  } else if (type.kind === 'map' && isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item !== null) visit(type.values, item);
      else if (type.values.kind === 'string') value[key] = '';
      else if (type.values.kind !== 'any') delete value[key];
    }
  } else if (type.kind === 'array' && Array.isArray(value)) {
    const zero = zeroElement(type.items);
    if (zero === keepNull) {
      value.forEach((item) => visit(type.items, item));
      return;
    }
    const decoded = value.filter((item) => item !== null || zero !== undefined).map((item) => (item === null ? zero : item));
    decoded.forEach((item) => visit(type.items, item));
    value.splice(0, value.length, ...decoded);
  }
}

const keepNull = Symbol('keep null');

/** What a null array element decodes to in Go; undefined: drop it; keepNull: free-form JSON. */
function zeroElement(type: TypeRef): unknown {
  switch (type.kind) {
    case 'model':
      return {};
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'any':
      return keepNull;
    default:
      return undefined;
  }
}

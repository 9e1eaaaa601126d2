/**
 * What happens to a custom object on every write, by its CRD version's schema: defaults
 * applied, unknown fields pruned (the custom-resource form of the unknown-field check),
 * and validation = the generic metadata rules + the schema + the scale replicas' range.
 */
import { applySchemaDefaults, pruneWithSchema, validateObjectMeta, validateObjectMetaUpdate, validateWithSchema } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { FieldError } from '../api-deps.ts';
import { fieldsOfSimplePath, valueAtFields } from './json-path.ts';
import type { CustomResourceInfo } from './served-resources.ts';

const MAX_INT32 = 2 ** 31 - 1;

/**
 * Every write path defaults (status and scale writes included, which skip the unknown-field
 * check), so pruning happens here too, silently, before the defaults as upstream orders them.
 */
export function defaultCustomObject(res: CustomResourceInfo, obj: KubeObject): void {
  if (!res.custom.schema) return;
  pruneCustomObject(res, obj, false);
  applySchemaDefaults(res.custom.schema, obj);
}

/**
 * The fields the schema does not specify: removed from `obj`, unless `dryRun` (then only
 * named, for a Strict refusal). v1 CRDs always prune; preserveUnknownFields keeps them.
 */
export function pruneCustomObject(res: CustomResourceInfo, obj: KubeObject, dryRun: boolean): string[] {
  if (!res.custom.schema || res.custom.preserveUnknownFields) return [];
  return pruneWithSchema(res.custom.schema, dryRun ? structuredClone(obj) : obj);
}

export function validateCustomObject(res: CustomResourceInfo, obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [...validateObjectMeta(res, obj.metadata)];
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  if (res.custom.schema) errs.push(...validateWithSchema(res.custom.schema, obj, old));
  const scale = res.custom.scale;
  if (scale) errs.push(...validateReplicas(obj, scale.specReplicasPath));
  return errs;
}

/** apiextensions' ValidateScaleSpec: the replicas the scale subresource reads must fit an int32 and not be negative. */
function validateReplicas(obj: KubeObject, specReplicasPath: string): FieldError[] {
  const fields = fieldsOfSimplePath(specReplicasPath);
  if (!fields) return [];
  const replicas = valueAtFields(obj, fields);
  if (typeof replicas !== 'number') return [];
  const field = fields.join('.');
  if (replicas < 0) return [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${replicas}: should be a non-negative integer` }];
  if (replicas > MAX_INT32)
    return [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${replicas}: should be less than or equal to ${MAX_INT32}` }];
  return [];
}

/**
 * The registry's one seam onto @skiff/api: defaulting, validation, selectors, unknown-field
 * detection and patches, typed as the registry uses them; custom objects are defaulted and
 * validated by their CRD's schema (custom-resources/custom-object.ts). Keeping them behind this file
 * lets the verb files read in the registry's terms (KubeObject in, KubeObject out).
 */
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  compileListFilter,
  defaultObject,
  findUnknownFields,
  validateObject,
  type ResourceInfo,
} from '@skiff/api';
import type { KubeObject } from '../storage/store.ts';
import { defaultCustomObject, validateCustomObject } from './custom-resources/custom-object.ts';
import { isCustomResource } from './custom-resources/served-resources.ts';
import { fieldSetOf } from './custom-resources/selectable-fields.ts';

export interface FieldError {
  reason: string;
  field: string;
  message: string;
}

/** Applies Kubernetes defaults in place and returns the object. */
export function applyDefaults(res: ResourceInfo, obj: KubeObject): KubeObject {
  if (isCustomResource(res)) defaultCustomObject(res, obj);
  else defaultObject(res, obj);
  return obj;
}

export function validate(res: ResourceInfo, obj: KubeObject, old?: KubeObject): FieldError[] {
  return isCustomResource(res) ? validateCustomObject(res, obj, old) : validateObject(res, obj, old);
}

export function findUnknown(apiVersion: string, kind: string, obj: unknown): string[] {
  return findUnknownFields(apiVersion, kind, obj);
}

/** Throws the library's SelectorError on a malformed selector; undefined when there is none. */
export function compileFilter(res: ResourceInfo, labelSelector?: string, fieldSelector?: string): ((obj: KubeObject) => boolean) | undefined {
  if (!labelSelector && !fieldSelector) return undefined;
  return compileListFilter(res, labelSelector, fieldSelector, isCustomResource(res) ? fieldSetOf(res) : undefined);
}

/** The patch functions throw PatchError (kind 'invalid' | 'conflict' | 'unsupported'). */
export function patchJson(doc: unknown, ops: unknown): unknown {
  return applyJsonPatch(doc, ops);
}

export function patchMerge(doc: unknown, patch: unknown): unknown {
  return applyMergePatch(doc, patch);
}

export function patchStrategic(doc: unknown, patch: unknown, typeKey: string): unknown {
  return applyStrategicMergePatch(doc, patch, typeKey);
}

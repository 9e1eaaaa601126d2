/** Helpers for validation tests: default then validate, as the apiserver does. */
import assert from 'node:assert/strict';
import { defaultObject } from '../defaults/index.ts';
import { findResourceByKind } from '../resources.ts';
import type { FieldError } from './field-error.ts';
import { validateObject } from './index.ts';

/** The field errors of `obj` (an update of `old` when given), both defaulted first. */
export function check(obj: any, old?: any): FieldError[] {
  const res = findResourceByKind(obj.apiVersion, obj.kind);
  assert.ok(res, `${obj.apiVersion} ${obj.kind}`);
  const o = structuredClone(obj);
  defaultObject(res, o);
  let prev;
  if (old) {
    prev = structuredClone(old);
    defaultObject(res, prev);
  }
  return validateObject(res, o, prev);
}

/** The errors as kubectl prints them: "spec.replicas: Invalid value: -1: must be ...". */
export function causes(obj: any, old?: any): string[] {
  return check(obj, old).map((e) => `${e.field}: ${e.message}`);
}

/** A copy of `base` changed by `patch`. */
export function withPatch<T>(base: T, patch: (o: any) => void): T {
  const o = structuredClone(base);
  patch(o);
  return o;
}

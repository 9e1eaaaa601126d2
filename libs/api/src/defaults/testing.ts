/** Helper for defaulting tests. */
import assert from 'node:assert/strict';
import { findResourceByKind } from '../resources.ts';
import { defaultObject } from './index.ts';

/** A defaulted copy of `obj` of the given apiVersion. */
export function defaulted(apiVersion: string, obj: any): any {
  const res = findResourceByKind(apiVersion, obj.kind);
  assert.ok(res, `${apiVersion} ${obj.kind}`);
  const copy = structuredClone({ apiVersion, ...obj });
  defaultObject(res, copy);
  return copy;
}

/** Small pure helpers the verb files share: timestamps, comparisons, type meta, field paths. */
import { randomInt } from 'node:crypto';
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../storage/store.ts';
import type { QualifiedResource } from '../errors.ts';

/** RFC 3339 with whole seconds and 'Z', as Kubernetes serialises metav1.Time. */
export function formatTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Structural equality that ignores object key order (arrays stay ordered). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Sets apiVersion and kind from the resource: etcd copies may lack them, answers never do. */
export function withTypeMeta<T extends KubeObject>(res: ResourceInfo, obj: T): T {
  obj.apiVersion = apiVersionOf(res);
  obj.kind = res.kind;
  return obj;
}

export function qualifiedOf(res: ResourceInfo): QualifiedResource {
  return { group: res.group, resource: res.resource };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Removes a field given as Kubernetes prints paths: 'spec.containers[0].foo'.
 * Used to drop unknown fields under fieldValidation=Ignore/Warn.
 */
export function deleteFieldPath(obj: unknown, path: string): void {
  const steps: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      steps.push(part);
      continue;
    }
    if (m[1]) steps.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  let cursor: unknown = obj;
  for (let i = 0; i < steps.length - 1; i++) {
    if (typeof cursor !== 'object' || cursor === null) return;
    cursor = (cursor as Record<string | number, unknown>)[steps[i]];
  }
  if (typeof cursor === 'object' && cursor !== null) delete (cursor as Record<string | number, unknown>)[steps[steps.length - 1]];
}

/** Kubernetes' generateName alphabet: no vowels (no words), no look-alike digits. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function randomNameSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return out;
}

/** 'a=b,c in (x,y)' from a LabelSelector (or an RC's plain map), for Scale.status.selector. */
export function formatLabelSelector(selector: unknown): string {
  if (!isPlainObject(selector)) return '';
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const labels = (isLabelSelector ? selector.matchLabels : selector) as Record<string, string> | undefined;
  const parts = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const exprs = (isLabelSelector ? selector.matchExpressions : undefined) as { key: string; operator: string; values?: string[] }[] | undefined;
  for (const e of exprs ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

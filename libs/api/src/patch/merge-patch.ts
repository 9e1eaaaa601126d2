import { PatchError } from './patch-error.ts';
import { isJsonObject, type JsonObject } from './json-value.ts';

/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`, what `kubectl label`,
 * `kubectl annotate` and `kubectl scale` send): objects merge key by key, `null` deletes a
 * key, anything else (arrays included) replaces. Returns a new document; neither input is
 * changed.
 *
 * The RFC lets a non-object patch replace the whole target, but a Kubernetes object is
 * always a JSON object, so such a patch is rejected as Kubernetes' own decoding does.
 */
export function applyMergePatch(doc: unknown, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) {
    throw new PatchError('invalid', `merge patch must be a JSON object, got ${describeJson(patch)}`);
  }
  // One deep copy up front: the result shares nothing with the caller's document, and the
  // merge below may then work in place.
  return mergeValue(structuredClone(doc), patch) as JsonObject;
}

/** Merges `patch` into `target`, which the caller owns; never aliases `patch`. */
function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeValue(out[key], value);
  }
  return out;
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

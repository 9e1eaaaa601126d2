/**
 * A copy of a JSON value with every object's keys in sorted order (undefined members dropped),
 * so JSON.stringify gives Go's encoding/json order for maps: the ControllerRevision hash and the
 * last-applied-configuration annotation are both compared as text.
 */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

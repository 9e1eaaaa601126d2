/**
 * Freezes an object graph in place so code reading an informer cache cannot change shared
 * state by accident (strict-mode code gets a TypeError); callers structuredClone first.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

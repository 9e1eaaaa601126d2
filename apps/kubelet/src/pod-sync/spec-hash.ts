/**
 * The container spec hash kuberuntime puts on every container it creates, so a later pass can
 * tell that the spec changed (an image bump through a patch, say) and restart the container.
 * The hash covers the whole container spec except what may change in place without a restart
 * (resources, for in-place resize, are still covered: we do not resize in place).
 */
import { createHash } from 'node:crypto';
import type { Container as KubeContainer } from '@skiff/api';

export const LABEL_CONTAINER_HASH = 'io.kubernetes.container.hash';
/** How many restarts the container had before this one, for status after a kubelet restart. */
export const LABEL_CONTAINER_RESTART_COUNT = 'io.kubernetes.container.restartCount';

/** A short, stable hash of the container spec: key order in the object does not matter. */
export function hashContainerSpec(container: KubeContainer): string {
  return createHash('sha256').update(stableStringify(container)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted and undefined members dropped, so equal specs hash equal. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

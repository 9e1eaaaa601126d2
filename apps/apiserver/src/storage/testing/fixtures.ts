/** ResourceInfo fixtures for storage tests (the real table lives in @skiff/api). */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, WatchEvent } from '../store.ts';

function info(group: string, kind: string, resource: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    ...extra,
  };
}

export const pods = info('', 'Pod', 'pods', true);
export const namespaces = info('', 'Namespace', 'namespaces', false);
export const secrets = info('', 'Secret', 'secrets', true, { encryptAtRest: true });

export function pod(name: string, namespace = 'default', labels?: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid: `uid-${name}`, ...(labels ? { labels } : {}) }, spec: {}, ...extra };
}

/** Pulls `count` events from `iter`, failing after `timeoutMs`. */
export async function takeEvents(iter: AsyncIterator<WatchEvent>, count: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${out.length}/${count} events`)), Math.max(1, deadline - Date.now()));
    });
    try {
      const next = await Promise.race([iter.next(), timeout]);
      if (next.done) throw new Error(`watch ended after ${out.length}/${count} events`);
      out.push(next.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

export function rvOf(event: WatchEvent): number {
  return Number((event.object as KubeObject).metadata?.resourceVersion);
}

export function nameOf(event: WatchEvent): string | undefined {
  return (event.object as KubeObject).metadata?.name;
}

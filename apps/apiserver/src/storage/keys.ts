/**
 * etcd key layout: `/registry/<resource>/<namespace>/<name>`, cluster-scoped without namespace.
 * Custom resources live under `/registry/<group>/<resource>/`, as kube-apiserver keeps them,
 * so a CRD's plural can never share a prefix with a built-in resource.
 */
import type { ResourceInfo } from '@skiff/api';

function collectionOf(res: ResourceInfo): string {
  return (res as { custom?: unknown }).custom !== undefined ? `/registry/${res.group}/${res.resource}/` : `/registry/${res.resource}/`;
}

export function keyFor(res: ResourceInfo, namespace: string | undefined, name: string): string {
  return res.namespaced ? `${collectionOf(res)}${namespace ?? ''}/${name}` : `${collectionOf(res)}${name}`;
}

/** The prefix of every key a list/watch covers; the trailing slash keeps `pods` from matching `podtemplates`. */
export function prefixFor(res: ResourceInfo, namespace?: string): string {
  return res.namespaced && namespace ? `${collectionOf(res)}${namespace}/` : collectionOf(res);
}

/** The smallest key greater than every key that starts with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

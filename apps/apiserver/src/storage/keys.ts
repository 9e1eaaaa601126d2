/** etcd key layout: `/registry/<resource>/<namespace>/<name>`, cluster-scoped without namespace. */
import type { ResourceInfo } from '@skiff/api';

export function keyFor(res: ResourceInfo, namespace: string | undefined, name: string): string {
  return res.namespaced ? `/registry/${res.resource}/${namespace ?? ''}/${name}` : `/registry/${res.resource}/${name}`;
}

/** The prefix of every key a list/watch covers; the trailing slash keeps `pods` from matching `podtemplates`. */
export function prefixFor(res: ResourceInfo, namespace?: string): string {
  return res.namespaced && namespace ? `/registry/${res.resource}/${namespace}/` : `/registry/${res.resource}/`;
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

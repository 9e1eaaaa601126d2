/**
 * downwardAPI volume files: pod metadata (fieldRef) and container resources (resourceFieldRef),
 * formatted as the kubelet formats them (labels/annotations as sorted key="value" lines).
 */
import type { Pod, Volume } from '@skiff/api';
import { getDownwardField, getResourceField } from '../pod-sync/env.ts';
import type { Payload } from './atomic-writer.ts';
import { DEFAULT_MODE } from './configmap-secret.ts';

export interface DownwardInfo {
  podIP: string;
  hostIP: string;
  /** For resourceFieldRef limits a container leaves unset. */
  nodeAllocatable?: Record<string, string>;
}

export function buildDownwardPayload(pod: Pod, source: NonNullable<Volume['downwardAPI']>, info: DownwardInfo): Payload {
  const defaultMode = source.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  for (const item of source.items ?? []) {
    let value: string;
    if (item.fieldRef) {
      value = getDownwardField(pod, item.fieldRef.fieldPath, { podIP: info.podIP, hostIP: info.hostIP });
    } else if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName);
      if (!container) throw new Error(`resourceFieldRef ${item.path}: container "${ref.containerName ?? ''}" not found in pod`);
      value = getResourceField(container, { resource: ref.resource, divisor: ref.divisor }, { nodeAllocatable: info.nodeAllocatable });
    } else {
      continue;
    }
    payload.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return payload;
}

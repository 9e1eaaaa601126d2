import { findResourceByKind, type ObjectMeta, type Pod, type PodTemplateSpec, type ResourceInfo } from '@skiff/api';
import { isNotFound, type KubeObject, type RestClient } from '@skiff/client';
import { newControllerRef, type GroupVersionKind } from './controller-ref.ts';

export const podsResource: ResourceInfo = findResourceByKind('v1', 'Pod')!;

/**
 * kube's GetPodFromTemplate: the template's labels, annotations, finalizers and spec,
 * named `<owner>-<random>` by the server, controlled by `owner`.
 */
export function buildPodFromTemplate(namespace: string, template: PodTemplateSpec | undefined, owner: KubeObject, gvk: GroupVersionKind): Pod {
  const source = template ?? {};
  const metadata: ObjectMeta = {
    namespace,
    generateName: `${owner.metadata?.name ?? ''}-`,
    labels: { ...(source.metadata?.labels ?? {}) },
    ownerReferences: [newControllerRef(owner, gvk)],
  };
  if (source.metadata?.annotations) metadata.annotations = { ...source.metadata.annotations };
  if (source.metadata?.finalizers?.length) metadata.finalizers = [...source.metadata.finalizers];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    // Template objects come from frozen caches: the pod gets its own copy.
    spec: structuredClone(source.spec) as Pod['spec'],
  };
}

/** Creates a pod from the owner's template; answers the created pod (with its name). */
export function createPodFromTemplate(
  client: Pick<RestClient, 'create'>,
  namespace: string,
  template: PodTemplateSpec | undefined,
  owner: KubeObject,
  gvk: GroupVersionKind,
): Promise<Pod> {
  return client.create<Pod>(podsResource, buildPodFromTemplate(namespace, template, owner, gvk), { namespace });
}

/** Deletes a pod (graceful, as the pod asks); false when it was already gone. */
export async function deletePod(client: Pick<RestClient, 'delete'>, namespace: string, name: string): Promise<boolean> {
  try {
    await client.delete(podsResource, namespace, name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Which controller a pod's controllerRef names, and its scale (the finders of
 * pkg/controller/disruption): ReplicationControllers, Deployments (through their ReplicaSet),
 * ReplicaSets no Deployment controls, StatefulSets, all from the caches, and last any other kind
 * with a scale subresource through GET …/scale. A reference is followed only to the same object
 * (UID, not just name); a finder that does not know the reference answers undefined.
 */
import type { Deployment, OwnerReference, ReplicaSet, ReplicationController, StatefulSet } from '@skiff/api';
import { controllerRefOf, type KubeObject, type Lister } from '@skiff/client';
import type { ControllerScale, ScaleFinder } from './expected-pods.ts';

export interface WorkloadListers {
  replicationControllers: Pick<Lister<ReplicationController>, 'get'>;
  replicaSets: Pick<Lister<ReplicaSet>, 'get'>;
  deployments: Pick<Lister<Deployment>, 'get'>;
  statefulSets: Pick<Lister<StatefulSet>, 'get'>;
}

/** The ref names `kind` in one of `groups` (ReplicaSets and Deployments once lived in extensions too). */
function refersTo(ref: Pick<OwnerReference, 'apiVersion' | 'kind'>, kind: string, groups: readonly string[]): boolean {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  return ref.kind === kind && groups.includes(group);
}

/** The cached object the ref names, if it is the same object. */
function resolve<T extends KubeObject>(lister: Pick<Lister<T>, 'get'>, ref: OwnerReference, namespace: string): T | undefined {
  const obj = lister.get(namespace, ref.name);
  return obj && obj.metadata?.uid === ref.uid ? obj : undefined;
}

function scaleOf(obj: KubeObject & { spec?: { replicas?: number } }): ControllerScale {
  return { uid: obj.metadata!.uid!, scale: obj.spec?.replicas ?? 1 };
}

const APPS = ['apps', 'extensions'];

export function workloadFinders(l: WorkloadListers): ScaleFinder[] {
  return [
    async (ref, ns) => {
      const rc = refersTo(ref, 'ReplicationController', ['']) ? resolve(l.replicationControllers, ref, ns) : undefined;
      return rc && scaleOf(rc);
    },
    async (ref, ns) => {
      const rs = refersTo(ref, 'ReplicaSet', APPS) ? resolve(l.replicaSets, ref, ns) : undefined;
      const rsRef = rs && controllerRefOf(rs);
      const deployment = rsRef && refersTo(rsRef, 'Deployment', APPS) ? resolve(l.deployments, rsRef, ns) : undefined;
      return deployment && scaleOf(deployment);
    },
    async (ref, ns) => {
      const rs = refersTo(ref, 'ReplicaSet', APPS) ? resolve(l.replicaSets, ref, ns) : undefined;
      // A ReplicaSet a Deployment controls is counted through the Deployment.
      return rs && controllerRefOf(rs)?.kind !== 'Deployment' ? scaleOf(rs) : undefined;
    },
    async (ref, ns) => {
      const ss = refersTo(ref, 'StatefulSet', ['apps']) ? resolve(l.statefulSets, ref, ns) : undefined;
      return ss && scaleOf(ss);
    },
  ];
}

/** The first finder that knows the reference wins; a finder's error ends the search. */
export function firstFinder(finders: readonly ScaleFinder[]): ScaleFinder {
  return async (ref, namespace) => {
    for (const find of finders) {
      const found = await find(ref, namespace);
      if (found) return found;
    }
    return undefined;
  };
}

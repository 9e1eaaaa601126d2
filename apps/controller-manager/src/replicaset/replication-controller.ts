import { findResourceByKind, selectorFromSet, type ReplicaSet } from '@skiff/api';
import type { Controller } from '../controller.ts';
import { newReplicaController } from './replicaset-controller.ts';
import type { ReplicaKind } from './util.ts';

/**
 * ReplicationControllers are ReplicaSets with a map selector: same sync, other resource.
 * spec.replicas, template, minReadySeconds and every status field have the same shape.
 */
export const replicationControllerKind: ReplicaKind = {
  name: 'replicationcontroller',
  resource: findResourceByKind('v1', 'ReplicationController')!,
  gvk: { apiVersion: 'v1', kind: 'ReplicationController' },
  selectorOf: (rc: ReplicaSet) => selectorFromSet((rc.spec as { selector?: Record<string, string> } | undefined)?.selector),
};

export function newReplicationControllerController(): Controller {
  return newReplicaController(replicationControllerKind);
}

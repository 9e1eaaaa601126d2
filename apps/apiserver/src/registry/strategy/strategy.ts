/**
 * Per-kind hooks, as Kubernetes' registry strategies: what the server sets or keeps
 * on create and update beyond the generic rules of create.ts and update.ts.
 */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { daemonSetStrategy } from './daemonset.ts';
import { clearStatusOnCreate, defaultStrategy } from './default.ts';
import { customResourceStrategy } from './custom-resource.ts';
import { customResourceDefinitionStrategy } from './customresourcedefinition.ts';
import { isCustomResource } from '../custom-resources/served-resources.ts';
import { jobStrategy } from './job.ts';
import { namespaceStrategy } from './namespace.ts';
import { persistentVolumeClaimStrategy } from './persistentvolumeclaim.ts';
import { podStrategy } from './pod.ts';
import { serviceStrategy } from './service.ts';

export interface Strategy {
  /** Mutates a new object before defaulting and validation. */
  prepareForCreate(obj: KubeObject): void;
  /** Mutates the desired object of an update; `old` is the stored state. */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Whether metadata.generation is set to 1 on create and bumped when spec changes. */
  tracksGeneration(obj: KubeObject): boolean;
}

/** Workloads (and Ingresses) whose status is the controllers' business: a client cannot create one with a status. */
const STATUS_CLEARED = new Set([
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  '/replicationcontrollers',
  'batch/jobs',
  'batch/cronjobs',
  'certificates.k8s.io/certificatesigningrequests',
  'networking.k8s.io/ingresses',
  'policy/poddisruptionbudgets',
  'autoscaling/horizontalpodautoscalers',
  '/resourcequotas',
]);

export function strategyFor(res: ResourceInfo): Strategy {
  if (isCustomResource(res)) return customResourceStrategy(res);
  const key = `${res.group}/${res.resource}`;
  if (key === 'apiextensions.k8s.io/customresourcedefinitions') return customResourceDefinitionStrategy;
  if (key === '/pods') return podStrategy;
  if (key === '/services') return serviceStrategy;
  if (key === '/namespaces') return namespaceStrategy;
  if (key === '/persistentvolumeclaims') return persistentVolumeClaimStrategy;
  if (key === 'batch/jobs') return jobStrategy;
  if (key === 'apps/daemonsets') return daemonSetStrategy;
  if (STATUS_CLEARED.has(key)) return clearStatusOnCreate;
  return defaultStrategy;
}

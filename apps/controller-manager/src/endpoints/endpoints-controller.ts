import { findResourceByKind, selectorFromSet, type Endpoints, type Pod, type ResourceInfo, type Service } from '@skiff/api';
import { enqueueObject, isNotFound, objectKey, splitKey, watch, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';
import { labelsForService, podServiceEvents, sameRecord, type CacheReader } from './pod-endpoint.ts';
import { buildSubsets, subsetsEqual, truncateSubsets } from './subsets.ts';

export const servicesResource: ResourceInfo = findResourceByKind('v1', 'Service')!;
export const podsResource: ResourceInfo = findResourceByKind('v1', 'Pod')!;
export const endpointsResource: ResourceInfo = findResourceByKind('v1', 'Endpoints')!;

export interface EndpointsControllerDeps {
  client: Pick<RestClient, 'create' | 'update' | 'delete'>;
  services: CacheReader<Service>;
  pods: CacheReader<Pod>;
  endpoints: CacheReader<Endpoints>;
  recorder?: { event(obj: Service, type: 'Normal' | 'Warning', reason: string, message: string): void };
  logger?: Logger;
}

/** Set while more pods are selected than one Endpoints may list. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

/** The apiserver itself keeps default/kubernetes' Endpoints (it has no selector). */
const APISERVER_SERVICE_KEY = 'default/kubernetes';

/**
 * Keeps one core/v1 Endpoints per selector-bearing Service, listing the IPs of the pods
 * the selector matches, ready ones apart from not-ready ones, with each service port
 * resolved per pod. Keys are service keys ('ns/name'); pod events map to the services
 * whose selectors match the pod's old or new labels (podServiceEvents).
 */
export class EndpointsController {
  readonly #deps: EndpointsControllerDeps;

  constructor(deps: EndpointsControllerDeps) {
    this.#deps = deps;
  }

  async sync(key: string): Promise<void> {
    const { client, services, pods, endpoints } = this.#deps;
    const { namespace, name } = splitKey(key);
    const svc = services.get(namespace, name);
    if (!svc) {
      if (key !== APISERVER_SERVICE_KEY) await this.#deleteEndpoints(namespace, name);
      return;
    }
    // Services without a selector have hand-written Endpoints (or the apiserver's): not ours.
    if (!svc.spec?.selector) return;
    const selector = selectorFromSet(svc.spec.selector);
    const selected = pods.list(namespace).filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
    const { subsets, truncated } = truncateSubsets(buildSubsets(svc, selected));
    const labels = labelsForService(svc);
    const current = endpoints.get(namespace, name);
    const annotations = withOverCapacity(current?.metadata?.annotations, truncated);
    if (
      current &&
      subsetsEqual(current.subsets, subsets) &&
      sameRecord(current.metadata?.labels, labels) &&
      sameRecord(current.metadata?.annotations, annotations)
    ) {
      return;
    }

    try {
      if (!current) {
        const metadata = { name, namespace, labels, ...(truncated ? { annotations } : {}) };
        const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets };
        await client.create(endpointsResource, ep);
      } else {
        const ep = structuredClone(current) as Endpoints;
        ep.metadata = { ...ep.metadata, labels, annotations };
        ep.subsets = subsets;
        await client.update(endpointsResource, ep);
      }
    } catch (err) {
      // AlreadyExists/Conflict mean our cache is behind: the retry reads a fresher one.
      const verb = current ? 'update' : 'create';
      this.#deps.recorder?.event(
        svc,
        'Warning',
        current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint',
        `Failed to ${verb} endpoint ${key}: ${(err as Error).message}`,
      );
      throw new Error(`endpoints ${key}: ${verb} failed`, { cause: err });
    }
    this.#deps.logger?.debug({ service: key, subsets: subsets.length }, 'endpoints written');
  }

  async #deleteEndpoints(namespace: string | undefined, name: string): Promise<void> {
    try {
      await this.#deps.client.delete(endpointsResource, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`endpoints ${namespace}/${name}: delete failed`, { cause: err });
    }
  }
}

function withOverCapacity(annotations: Record<string, string> | undefined, truncated: boolean): Record<string, string> {
  const out = { ...(annotations ?? {}) };
  if (truncated) out[OVER_CAPACITY_ANNOTATION] = 'truncated';
  else delete out[OVER_CAPACITY_ANNOTATION];
  return out;
}

export function newEndpointsController(): Controller {
  return keyedController('endpoints', 5, (ctx) => {
    const services = ctx.informers.informerFor<Service>(servicesResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const endpoints = ctx.informers.informerFor<Endpoints>(endpointsResource);
    const controller = new EndpointsController({ client: ctx.client, services, pods, endpoints, recorder: ctx.recorder, logger: ctx.logger });
    return {
      watches: [
        watch(services, enqueueObject()),
        watch(pods, podServiceEvents(services)),
        // Someone deleted an Endpoints we keep: the service's sync recreates it.
        watch(endpoints, { delete: (ep) => (services.get(ep.metadata?.namespace, ep.metadata?.name ?? '') ? objectKey(ep) : undefined) }),
      ],
      sync: (key) => controller.sync(key),
    };
  });
}

import { findResourceByKind, selectorFromSet, type EndpointSlice, type Pod, type ResourceInfo, type Service } from '@skiff/api';
import { enqueueObject, isNotFound, splitKey, watch, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';
import { podsResource, servicesResource } from '../endpoints/endpoints-controller.ts';
import { podServiceEvents, type CacheReader } from '../endpoints/pod-endpoint.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, MAX_ENDPOINTS_PER_SLICE, reconcileSlices, SERVICE_NAME_LABEL } from './reconcile-slices.ts';
import { SliceTracker } from './slice-tracker.ts';

export const endpointSlicesResource: ResourceInfo = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;

/** Our slices only: the informer watches just what this controller manages. */
export const MANAGED_SLICES_SELECTOR = `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}`;

/** How soon a service whose own writes the cache has not shown yet looks again. */
const STALE_CACHE_RETRY_MS = 250;

export interface EndpointSliceControllerDeps {
  client: Pick<RestClient, 'create' | 'update' | 'delete'>;
  services: CacheReader<Service>;
  pods: CacheReader<Pod>;
  slices: CacheReader<EndpointSlice>;
  recorder?: { event(obj: Service, type: 'Normal' | 'Warning', reason: string, message: string): void };
  logger?: Logger;
  maxEndpointsPerSlice?: number;
  tracker?: SliceTracker;
}

/**
 * Keeps the discovery.k8s.io/v1 EndpointSlices of every selector-bearing Service: one
 * endpoint per selected pod with its conditions (ready, serving, terminating), grouped by
 * resolved ports, at most 100 per slice, changed with as few writes as possible. Slices
 * carry an ownerReference to their service, so the garbage collector removes them with it.
 */
export class EndpointSliceController {
  readonly #deps: EndpointSliceControllerDeps;
  readonly #tracker: SliceTracker;

  constructor(deps: EndpointSliceControllerDeps) {
    this.#deps = deps;
    this.#tracker = deps.tracker ?? new SliceTracker();
  }

  async sync(key: string): Promise<SyncResult> {
    const { services, pods, slices } = this.#deps;
    const { namespace, name } = splitKey(key);
    const svc = services.get(namespace, name);
    // A deleted service's slices go with it through their ownerReference.
    if (!svc) return this.#tracker.forget(key);
    if (!svc.spec?.selector || svc.metadata?.deletionTimestamp) return;
    const existing = slices
      .list(namespace)
      .filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME);
    if (this.#tracker.isStale(key, existing)) return { requeueAfter: STALE_CACHE_RETRY_MS };
    const selector = selectorFromSet(svc.spec.selector);
    const selected = pods.list(namespace).filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
    const plan = reconcileSlices(svc, selected, existing, this.#deps.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE);
    try {
      await this.#apply(key, plan);
    } catch (err) {
      this.#deps.recorder?.event(
        svc,
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`,
      );
      throw new Error(`endpointslices ${key}: reconcile failed`, { cause: err });
    }
  }

  /** Creates before updates before deletes, so an endpoint is never absent mid-way. */
  async #apply(key: string, plan: ReturnType<typeof reconcileSlices>): Promise<void> {
    const { client, logger } = this.#deps;
    for (const slice of plan.create) this.#tracker.written(key, await client.create(endpointSlicesResource, slice));
    for (const slice of plan.update) this.#tracker.written(key, await client.update(endpointSlicesResource, slice));
    for (const slice of plan.delete) {
      try {
        await client.delete(endpointSlicesResource, slice.metadata?.namespace, slice.metadata?.name ?? '', { preconditions: { uid: slice.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.#tracker.deleted(key, slice);
    }
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      logger?.debug({ service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length }, 'endpointslices reconciled');
    }
  }
}

/** A slice event (ours arriving, or someone else's edit) makes its service look again. */
export function serviceKeyOfSlice(slice: EndpointSlice): string | undefined {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service && slice.metadata?.namespace ? `${slice.metadata.namespace}/${service}` : undefined;
}

export function newEndpointSliceController(): Controller {
  return keyedController('endpointslice', 5, (ctx) => {
    const services = ctx.informers.informerFor<Service>(servicesResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const slices = ctx.informers.informerFor<EndpointSlice>(endpointSlicesResource, { labelSelector: MANAGED_SLICES_SELECTOR });
    const controller = new EndpointSliceController({ client: ctx.client, services, pods, slices, recorder: ctx.recorder, logger: ctx.logger });
    return {
      watches: [watch(services, enqueueObject()), watch(pods, podServiceEvents(services)), watch(slices, enqueueObject({ keyOf: serviceKeyOfSlice }))],
      sync: (key) => controller.sync(key),
    };
  });
}

/**
 * sync(key) of the service-lb controller, in the steps of upstream's service controller
 * (syncLoadBalancerIfNeeded): release what we hold when the Service is going or no longer
 * ours, otherwise hold the cleanup finalizer and write the node addresses into
 * status.loadBalancer.ingress. Every write is compare-and-swap on what was read and happens
 * only on change; a conflict requeues the key.
 */
import { findResourceByKind, type EndpointSlice, type Node, type Service } from '@skiff/api';
import { isNotFound, splitKey, type EventRecorder, type Lister, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import {
  desiredIngress,
  hasCleanupFinalizer,
  LOAD_BALANCER_CLEANUP_FINALIZER,
  needsCleanup,
  sameIngress,
  SERVICE_NAME_LABEL,
  wantsLoadBalancer,
  type LoadBalancerIngress,
} from './load-balancer-status.ts';

const servicesResource = findResourceByKind('v1', 'Service')!;

export interface ServiceLbDeps {
  client: Pick<RestClient, 'update'>;
  services: Pick<Lister<Service>, 'get'>;
  nodes: Pick<Lister<Node>, 'list'>;
  slices: Pick<Lister<EndpointSlice>, 'list'>;
  recorder: Pick<EventRecorder, 'event'>;
  logger?: Logger;
}

export class ServiceLbSyncer {
  readonly #deps: ServiceLbDeps;

  constructor(deps: ServiceLbDeps) {
    this.#deps = deps;
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.#deps.services.get(namespace, name);
    if (!cached) return;
    const svc = structuredClone(cached) as Service;
    if (needsCleanup(svc)) return this.#release(svc, key);
    if (!wantsLoadBalancer(svc)) {
      // Not ours, or no longer a LoadBalancer without ever being ours (e.g. written by an older
      // controller): a Service that is not a LoadBalancer must not advertise an address.
      if (svc.spec?.type !== 'LoadBalancer' && (svc.status?.loadBalancer?.ingress ?? []).length > 0) await this.#writeIngress(svc, [], key);
      return;
    }
    if (svc.metadata?.deletionTimestamp) return;
    const slices = this.#deps.slices.list(namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
    const ingress = desiredIngress(svc, this.#deps.nodes.list(), slices);
    const current = svc.status?.loadBalancer?.ingress;
    if (hasCleanupFinalizer(svc) && sameIngress(current, ingress)) return;

    const { recorder } = this.#deps;
    recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    let latest = svc;
    if (!hasCleanupFinalizer(svc)) {
      // The finalizer first, so a delete racing with us still finds it and we release the address.
      svc.metadata = { ...svc.metadata, finalizers: [...(svc.metadata?.finalizers ?? []), LOAD_BALANCER_CLEANUP_FINALIZER] };
      latest = await this.#update(svc, key, 'add finalizer');
    }
    if (ingress.length === 0) {
      recorder.event(
        svc,
        'Warning',
        'UnAvailableLoadBalancer',
        svc.spec?.externalTrafficPolicy === 'Local'
          ? 'There are no available nodes with a ready endpoint for LoadBalancer'
          : 'There are no available nodes for LoadBalancer',
      );
    }
    if (!sameIngress(current, ingress)) await this.#writeIngress(latest, ingress, key);
    recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
  }

  /** Clears the address and then lets go of the Service (the finalizer's removal may delete it). */
  async #release(svc: Service, key: string): Promise<void> {
    const { recorder } = this.#deps;
    recorder.event(svc, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
    let latest = svc;
    if ((svc.status?.loadBalancer?.ingress ?? []).length > 0) latest = await this.#writeIngress(svc, [], key);
    latest = structuredClone(latest);
    latest.metadata = { ...latest.metadata, finalizers: (latest.metadata?.finalizers ?? []).filter((f) => f !== LOAD_BALANCER_CLEANUP_FINALIZER) };
    await this.#update(latest, key, 'remove finalizer');
    recorder.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
  }

  async #writeIngress(svc: Service, ingress: LoadBalancerIngress[], key: string): Promise<Service> {
    const next: Service = { ...structuredClone(svc), status: { ...svc.status, loadBalancer: ingress.length > 0 ? { ingress } : {} } };
    const out = await this.#update(next, key, 'update status', 'status');
    this.#deps.logger?.info({ service: key, ingress: ingress.map((i) => i.ip) }, 'load balancer status written');
    return out;
  }

  async #update(svc: Service, key: string, what: string, subresource?: string): Promise<Service> {
    try {
      return await this.#deps.client.update(servicesResource, svc, subresource ? { subresource } : {});
    } catch (err) {
      // Gone: nothing left to serve or release. A conflict is thrown on: the runner requeues.
      if (isNotFound(err)) return svc;
      throw new Error(`service ${key}: ${what}`, { cause: err });
    }
  }
}

/**
 * service-lb: LoadBalancer Services on bare metal, as k3s' ServiceLB. Every `type:
 * LoadBalancer` Service without a loadBalancerClass gets the InternalIPs of the nodes that
 * can serve it in status.loadBalancer.ingress (kube-proxy accepts the service port there);
 * see load-balancer-status.ts for which nodes and service-lb-syncer.ts for the steps.
 * Keys are Services; a node that starts or stops serving queues every LoadBalancer, an
 * EndpointSlice its Service (externalTrafficPolicy Local follows the endpoints).
 */
import { findResourceByKind, type EndpointSlice, type Node, type Service } from '@skiff/api';
import { enqueueObject, objectKey, watch } from '@skiff/client';
import { keyedController, type Controller } from '../controller.ts';
import { SERVICE_NAME_LABEL, servingAddressOf } from './load-balancer-status.ts';
import { ServiceLbSyncer } from './service-lb-syncer.ts';

const servicesResource = findResourceByKind('v1', 'Service')!;
const nodesResource = findResourceByKind('v1', 'Node')!;
const slicesResource = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;

/** A LoadBalancer, or a Service that still shows an address (it must be released). */
function isInteresting(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' || (svc.metadata?.finalizers?.length ?? 0) > 0 || (svc.status?.loadBalancer?.ingress?.length ?? 0) > 0;
}

export function newServiceLbController(): Controller {
  return keyedController('service-lb', 2, (ctx) => {
    const services = ctx.informers.informerFor<Service>(servicesResource);
    const nodes = ctx.informers.informerFor<Node>(nodesResource);
    const slices = ctx.informers.informerFor<EndpointSlice>(slicesResource);
    const syncer = new ServiceLbSyncer({ client: ctx.client, services, nodes, slices, recorder: ctx.recorder, logger: ctx.logger });
    const own = enqueueObject<Service>();
    const allLoadBalancers = () =>
      services
        .list()
        .filter((s) => s.spec?.type === 'LoadBalancer')
        .map((s) => objectKey(s)!);
    const serviceOfSlice = (slice: EndpointSlice) => {
      const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      const svc = name ? services.get(slice.metadata?.namespace, name) : undefined;
      return svc && isInteresting(svc) ? objectKey(svc) : undefined;
    };
    return {
      watches: [
        watch(services, {
          add: (svc) => (isInteresting(svc) ? own.add!(svc) : undefined),
          update: (old, svc) => (isInteresting(old) || isInteresting(svc) ? own.update!(old, svc) : undefined),
        }),
        // Heartbeats change nodes every few seconds: only a change in who serves, and where, counts.
        watch(nodes, {
          add: () => allLoadBalancers(),
          update: (old, node) => (servingAddressOf(old) === servingAddressOf(node) ? undefined : allLoadBalancers()),
          delete: () => allLoadBalancers(),
        }),
        watch(slices, {
          add: serviceOfSlice,
          update: (old, slice) => (old.metadata?.resourceVersion === slice.metadata?.resourceVersion ? undefined : serviceOfSlice(slice)),
          delete: serviceOfSlice,
        }),
      ],
      sync: (key) => syncer.sync(key),
    };
  });
}

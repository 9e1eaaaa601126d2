import { findResourceByKind, type EndpointSlice, type Service } from '@skiff/api';
import { NAMESPACE_INDEX, type Informer, type InformerFactory } from '@skiff/client';
import type { ClusterView } from './cluster-answers.ts';

const SERVICES = findResourceByKind('v1', 'Service')!;
const ENDPOINT_SLICES = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const BY_SERVICE = 'serviceName';

/**
 * The ClusterView over two shared informers: services, and endpoint slices indexed by
 * `<namespace>/<service-name label>` so a headless lookup reads only its own slices.
 * DNS reads the caches directly on every query; there is no queue, because nothing is
 * reconciled: the answer is simply whatever the caches hold at that moment.
 */
export class InformerClusterView implements ClusterView {
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;

  constructor(factory: InformerFactory) {
    this.services = factory.informerFor<Service>(SERVICES);
    this.slices = factory.informerFor<EndpointSlice>(ENDPOINT_SLICES);
    this.slices.addIndex(BY_SERVICE, (slice) => {
      const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc && slice.metadata?.namespace ? [`${slice.metadata.namespace}/${svc}`] : [];
    });
  }

  getService(namespace: string, name: string): Service | undefined {
    return this.services.get(namespace, name);
  }

  getEndpointSlices(namespace: string, service: string): EndpointSlice[] {
    return this.slices.byIndex(BY_SERVICE, `${namespace}/${service}`);
  }

  hasServicesIn(namespace: string): boolean {
    return this.services.byIndex(NAMESPACE_INDEX, namespace).length > 0;
  }
}

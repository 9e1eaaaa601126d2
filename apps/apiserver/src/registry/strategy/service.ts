import type { KubeObject } from '../../storage/store.ts';
import type { Strategy } from './strategy.ts';
import { defaultStrategy } from './default.ts';
import { needsHealthCheck, takesNodePorts as needsNodePorts, type ServicePort, type ServiceSpec } from '../service-allocation.ts';

function samePort(a: ServicePort, b: ServicePort): boolean {
  if (a.name || b.name) return a.name === b.name;
  return a.port === b.port && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP');
}

/**
 * Services: status starts empty but for the load-balancer stanza clients expect.
 * On update, what the server allocated survives a body that leaves it out (kubectl apply
 * sends none of it): the ClusterIP(s), IP families and the node ports of ports that stay.
 * When the type no longer takes node ports, the old ones are dropped (Kubernetes'
 * dropTypeDependentFields), and so is a health check node port the service no longer needs
 * (type or externalTrafficPolicy changed) when the body merely repeats it. Writes to the allocators live in ../service-allocation.ts.
 */
export const serviceStrategy: Strategy = {
  ...defaultStrategy,
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    const spec = (obj.spec ??= {}) as ServiceSpec;
    const oldSpec = (old.spec ?? {}) as ServiceSpec;
    if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && oldSpec.clusterIP) {
      if (!spec.clusterIP && (spec.clusterIPs ?? []).length === 0) {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = structuredClone(oldSpec.clusterIPs ?? [oldSpec.clusterIP]);
      } else if (!spec.clusterIP) {
        spec.clusterIP = spec.clusterIPs![0];
      } else if ((spec.clusterIPs ?? []).length === 0 && spec.clusterIP === oldSpec.clusterIP) {
        spec.clusterIPs = structuredClone(oldSpec.clusterIPs ?? [oldSpec.clusterIP]);
      }
      if (spec.ipFamilies === undefined && oldSpec.ipFamilies) spec.ipFamilies = structuredClone(oldSpec.ipFamilies);
      if (spec.ipFamilyPolicy === undefined && oldSpec.ipFamilyPolicy) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
    }
    if (needsNodePorts(spec)) {
      for (const port of spec.ports ?? []) {
        if (port.nodePort) continue;
        const before = (oldSpec.ports ?? []).find((p) => samePort(p, port));
        if (before?.nodePort) port.nodePort = before.nodePort;
      }
    } else if (needsNodePorts(oldSpec)) {
      const oldPorts = new Set((oldSpec.ports ?? []).map((p) => p.nodePort));
      for (const port of spec.ports ?? []) if (port.nodePort && oldPorts.has(port.nodePort)) delete port.nodePort;
      // Carried over unchanged from the old type, these would now fail validation.
      const loose = spec as Record<string, unknown>;
      const was = oldSpec as Record<string, unknown>;
      for (const field of ['externalTrafficPolicy', 'healthCheckNodePort', 'allocateLoadBalancerNodePorts', 'loadBalancerClass']) {
        if (loose[field] !== undefined && loose[field] === was[field]) delete loose[field];
      }
    }
    if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  },
};

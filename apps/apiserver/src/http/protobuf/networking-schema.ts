/**
 * Field tables for networking.k8s.io/v1 Ingress, which client-go's typed clients send as
 * protobuf: `kubectl create ingress`. Numbers from k8s.io/api/networking/v1/generated.proto;
 * names are JSON's. Grammar: message-decoder.ts. IngressClass and NetworkPolicy have no
 * `kubectl create` generator and reach Skiff as JSON (apply, create -f).
 */
import type { SchemaSet } from './message-decoder.ts';

export const networkingSchemas: SchemaSet = {
  Ingress: { 1: 'metadata ObjectMeta', 2: 'spec IngressSpec', 3: 'status IngressStatus' },
  IngressSpec: { 4: 'ingressClassName *string', 1: 'defaultBackend IngressBackend', 2: 'tls []IngressTLS', 3: 'rules []IngressRule' },
  IngressBackend: { 4: 'service IngressServiceBackend', 3: 'resource TypedLocalObjectReference' },
  IngressServiceBackend: { 1: 'name', 2: 'port ServiceBackendPort' },
  ServiceBackendPort: { 1: 'name', 2: 'number int32' },
  TypedLocalObjectReference: { 1: 'apiGroup *string', 2: 'kind', 3: 'name' },
  IngressTLS: { 1: 'hosts []string', 2: 'secretName' },
  // IngressRuleValue is embedded in Go (its `http` sits beside `host` in JSON), a field of its own in protobuf.
  IngressRule: { 1: 'host', 2: '...IngressRuleValue' },
  IngressRuleValue: { 1: 'http HTTPIngressRuleValue' },
  HTTPIngressRuleValue: { 1: 'paths []HTTPIngressPath' },
  HTTPIngressPath: { 1: 'path', 3: 'pathType *string', 2: 'backend IngressBackend' },
  IngressStatus: { 1: 'loadBalancer IngressLoadBalancerStatus' },
  IngressLoadBalancerStatus: { 1: 'ingress []IngressLoadBalancerIngress' },
  IngressLoadBalancerIngress: { 1: 'ip', 2: 'hostname', 4: 'ports []IngressPortStatus' },
  IngressPortStatus: { 1: 'port int32', 2: 'protocol', 3: 'error *string' },
};

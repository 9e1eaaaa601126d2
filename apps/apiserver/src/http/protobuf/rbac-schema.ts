/**
 * Field tables for rbac.authorization.k8s.io/v1, which client-go's typed clients send as protobuf:
 * `kubectl create role|clusterrole|rolebinding|clusterrolebinding`. Numbers from
 * k8s.io/api/rbac/v1/generated.proto; names are JSON's. Grammar: message-decoder.ts.
 */
import type { SchemaSet } from './message-decoder.ts';

export const rbacSchemas: SchemaSet = {
  Role: { 1: 'metadata ObjectMeta', 2: 'rules []PolicyRule' },
  ClusterRole: { 1: 'metadata ObjectMeta', 2: 'rules []PolicyRule', 3: 'aggregationRule AggregationRule' },
  PolicyRule: { 1: 'verbs []string', 2: 'apiGroups []string', 3: 'resources []string', 4: 'resourceNames []string', 5: 'nonResourceURLs []string' },
  AggregationRule: { 1: 'clusterRoleSelectors []LabelSelector' },
  RoleBinding: { 1: 'metadata ObjectMeta', 2: 'subjects []Subject', 3: 'roleRef RoleRef' },
  ClusterRoleBinding: { 1: 'metadata ObjectMeta', 2: 'subjects []Subject', 3: 'roleRef RoleRef' },
  Subject: { 1: 'kind', 2: 'apiGroup', 3: 'name', 4: 'namespace' },
  RoleRef: { 1: 'apiGroup', 2: 'kind', 3: 'name' },
};

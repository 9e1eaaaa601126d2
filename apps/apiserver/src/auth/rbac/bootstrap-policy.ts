/**
 * The default RBAC policy every cluster starts with, after upstream's bootstrappolicy
 * (policy.go, controller_policy.go, namespace_policy.go) for the parts Skiff runs, plus Skiff's
 * own components (dns, local-path, hollow kubelets) and what kubeadm binds for bootstrap tokens.
 * Data only: reconcile.ts writes it on every apiserver start.
 *
 * Skiff runs every controller as ONE user, system:kube-controller-manager, so that user is bound
 * to system:kube-controller-manager and to every system:controller:* role below.
 */
import type { PolicyRule } from '@skiff/api';
import { nodeRules } from '../node/node-rules.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { Subject } from './rbac-authorizer.ts';

export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const RBAC_API = 'rbac.authorization.k8s.io';
const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}
function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const EVENTS = [rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events'])];

const metadata = (name: string, labels: Record<string, string> = {}, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { [BOOTSTRAPPING_LABEL]: 'rbac-defaults', ...labels },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): KubeObject {
  return { apiVersion: `${RBAC_API}/v1`, kind: 'ClusterRole', metadata: metadata(name, labels), rules };
}

function aggregatedClusterRole(name: 'admin' | 'edit' | 'view', labels?: Record<string, string>): KubeObject {
  return { ...clusterRole(name, [], labels), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(name)]: 'true' } }] } };
}

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_API, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_API, name });

function clusterRoleBinding(name: string, role: string, subjects: Subject[]): KubeObject {
  return {
    apiVersion: `${RBAC_API}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: metadata(name),
    roleRef: { apiGroup: RBAC_API, kind: 'ClusterRole', name: role },
    subjects,
  };
}

// --- admin, edit, view and the roles they aggregate (upstream policy.go) ---

const viewRules: PolicyRule[] = [
  rule(
    READ,
    [''],
    [
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'configmaps',
    ],
  ),
  rule(
    READ,
    [''],
    [
      'limitranges',
      'resourcequotas',
      'bindings',
      'events',
      'pods/status',
      'resourcequotas/status',
      'namespaces/status',
      'replicationcontrollers/status',
      'pods/log',
    ],
  ),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(
    READ,
    ['apps'],
    [
      'controllerrevisions',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
    ],
  ),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

const editRules: PolicyRule[] = [
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(
    WRITE,
    [''],
    [
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/proxy',
      'persistentvolumeclaims',
      'configmaps',
      'secrets',
      'endpoints',
    ],
  ),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(
    WRITE,
    ['apps'],
    ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale'],
  ),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(READ, [''], ['secrets', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'services/proxy']),
];

const adminRules: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule([...READ, ...WRITE], [RBAC_API], ['roles', 'rolebindings']),
];

/** The partner roles that carry the rules admin, edit and view aggregate (what aggregation puts into each). */
const aggregateToAdmin = clusterRole('system:aggregate-to-admin', adminRules, { [AGGREGATE_TO('admin')]: 'true' });
const aggregateToEdit = clusterRole('system:aggregate-to-edit', editRules, { [AGGREGATE_TO('edit')]: 'true' });
const aggregateToView = clusterRole('system:aggregate-to-view', viewRules, { [AGGREGATE_TO('view')]: 'true' });

// --- the cluster's components (upstream policy.go) ---

const discoveryUrls = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/openapi', '/openapi/*', '/version', '/version/'];
const publicInfoUrls = ['/healthz', '/livez', '/readyz', '/version', '/version/'];
const CSR_GROUP = 'certificates.k8s.io';
const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

const systemRoles: KubeObject[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  aggregatedClusterRole('admin'),
  aggregatedClusterRole('edit', { [AGGREGATE_TO('admin')]: 'true' }),
  aggregatedClusterRole('view', { [AGGREGATE_TO('edit')]: 'true' }),
  aggregateToAdmin,
  aggregateToEdit,
  aggregateToView,
  clusterRole('system:discovery', [urls(['get'], discoveryUrls)]),
  clusterRole('system:public-info-viewer', [urls(['get'], publicInfoUrls)]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:auth-delegator', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:service-account-issuer-discovery', [
    urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/']),
  ]),
  clusterRole('system:node', nodeRules),
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(READ, [''], ['nodes']),
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ...EVENTS,
  ]),
  clusterRole('system:kubelet-api-admin', [
    rule(['get', 'list', 'watch', 'proxy'], [''], ['nodes']),
    rule(
      ['*'],
      [''],
      ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log', 'nodes/spec', 'nodes/pods', 'nodes/healthz', 'nodes/configz', 'nodes/checkpoint'],
    ),
  ]),
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [CSR_GROUP], ['certificatesigningrequests'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], [CSR_GROUP], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
    rule(['create'], [CSR_GROUP], ['certificatesigningrequests/selfnodeclient']),
  ]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [rule(['approve'], [CSR_GROUP], ['signers'], [KUBELET_CLIENT_SIGNER])]),
  clusterRole('system:kube-scheduler', [
    ...EVENTS,
    rule(['create', 'get', 'update'], ['coordination.k8s.io'], ['leases']),
    rule(READ, [''], ['nodes', 'namespaces', 'replicationcontrollers', 'services', 'persistentvolumeclaims', 'persistentvolumes']),
    rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
    rule(['create'], [''], ['bindings', 'pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, ['apps'], ['replicasets', 'statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, ['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:volume-scheduler', [
    rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
  ]),
  clusterRole('system:kube-controller-manager', [
    ...EVENTS,
    rule(['create', 'get', 'update'], ['coordination.k8s.io'], ['leases']),
    rule(['create', 'get', 'update'], [''], ['endpoints']),
    rule(['create', 'delete', 'get', 'update'], [''], ['secrets', 'serviceaccounts']),
    rule(['get'], [''], ['configmaps', 'namespaces']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    // Every informer of every controller (the garbage collector and quota watch everything).
    rule(['list', 'watch'], ['*'], ['*']),
  ]),
  // Skiff's own node add-ons.
  clusterRole('system:skiff:dns', [rule(READ, [''], ['services']), rule(READ, ['discovery.k8s.io'], ['endpointslices'])]),
  // The ingress controller reads what routes traffic (and the TLS Secrets it serves); its leader writes Ingress status.
  clusterRole('system:skiff:ingress', [
    rule(READ, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
    rule(['update', 'patch'], ['networking.k8s.io'], ['ingresses/status']),
    rule(READ, [''], ['services', 'nodes']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(['create', 'get', 'update'], ['coordination.k8s.io'], ['leases']),
    ...EVENTS,
  ]),
  // Every Secret (the TLS ones are among them), as ingress-nginx's account reads: bound to the ingress
  // controller's own identity only, never to group system:nodes, which the Node authorizer keeps from secrets.
  clusterRole('system:skiff:ingress-secrets', [rule(READ, [''], ['secrets'])]),
  // Network policy needs every pod's address and labels, the namespaces' labels and the policies.
  clusterRole('system:skiff:network-policy', [
    rule(READ, [''], ['pods', 'namespaces', 'nodes']),
    rule(READ, ['networking.k8s.io'], ['networkpolicies']),
    ...EVENTS,
  ]),
  clusterRole('system:skiff:local-path', [
    rule(['get', 'list', 'watch', 'create', 'delete', 'patch', 'update'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumeclaims']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(READ, [''], ['nodes']),
    ...EVENTS,
  ]),
];

// --- the controllers Skiff runs (upstream controller_policy.go), by controller role name ---

const controllerRules: Record<string, PolicyRule[]> = {
  'clusterrole-aggregation-controller': [rule(['escalate', 'bind', 'get', 'list', 'watch', 'update', 'patch'], [RBAC_API], ['clusterroles'])],
  'cronjob-controller': [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status', 'cronjobs/finalizers']),
    rule(['get', 'list', 'delete'], [''], ['pods']),
  ],
  'daemon-set-controller': [
    rule(READ, ['apps'], ['daemonsets']),
    rule(['update'], ['apps'], ['daemonsets/status', 'daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
  ],
  // Skiff's bare-metal load balancer (as k3s' ServiceLB): addresses into LoadBalancer Services' status.
  'service-lb-controller': [
    rule(READ, [''], ['services', 'nodes']),
    // The load-balancer-cleanup finalizer is written on the Service itself.
    rule(['update', 'patch'], [''], ['services', 'services/status']),
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ],
  'disruption-controller': [
    rule(['get', 'list', 'watch'], ['apps'], ['deployments', 'replicasets', 'statefulsets']),
    rule(['get', 'list', 'watch'], [''], ['replicationcontrollers', 'pods']),
    rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['get'], ['*'], ['*/scale']),
    // Drops the DisruptionTarget condition from pods an eviction marked but did not delete.
    rule(['patch', 'update'], [''], ['pods/status']),
  ],
  'horizontal-pod-autoscaler': [
    rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list'], [''], ['pods']),
    rule(['list'], ['metrics.k8s.io'], ['pods']),
    rule(['get', 'list'], ['custom.metrics.k8s.io', 'external.metrics.k8s.io'], ['*']),
  ],
  // Counts every kind a quota may name (count/<resource>.<group>), and writes the quotas' status.
  'resourcequota-controller': [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status'])],
  'deployment-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['deployments']),
    rule(['update'], ['apps'], ['deployments/status', 'deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps'], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
  ],
  'endpoint-controller': [
    rule(READ, [''], ['services', 'pods']),
    rule(['get', 'list', 'create', 'update', 'delete'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
  ],
  'endpointslice-controller': [
    rule(READ, [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
  ],
  'generic-garbage-collector': [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*'])],
  'job-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status', 'jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
  ],
  'namespace-controller': [
    rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
  ],
  'node-controller': [
    rule(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status', 'pods/status']),
    rule(['list', 'delete'], [''], ['pods']),
    rule(['create'], [''], ['pods/eviction']),
  ],
  'persistent-volume-binder': [
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status', 'persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch'], [''], ['pods']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
  ],
  'pod-garbage-collector': [rule(['list', 'watch', 'delete'], [''], ['pods']), rule(['get', 'list'], [''], ['nodes']), rule(['patch'], [''], ['pods/status'])],
  'replicaset-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['replicasets']),
    rule(['update'], ['apps'], ['replicasets/status', 'replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
  ],
  'replication-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status', 'replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
  ],
  'root-ca-cert-publisher': [rule(['create', 'update'], [''], ['configmaps'])],
  'service-account-controller': [rule(['create'], [''], ['serviceaccounts'])],
  'statefulset-controller': [
    rule(['list', 'watch'], [''], ['pods']),
    rule(['list', 'watch'], ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status', 'statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [''], ['persistentvolumeclaims']),
  ],
  'ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs'])],
  'certificate-controller': [
    rule(['get', 'list', 'watch', 'delete'], [CSR_GROUP], ['certificatesigningrequests']),
    rule(['update'], [CSR_GROUP], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    rule(['approve'], [CSR_GROUP], ['signers'], [KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]),
    rule(
      ['sign'],
      [CSR_GROUP],
      ['signers'],
      ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER],
    ),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ],
  // The legacy token controller, which upstream runs with the manager's own credentials.
  'token-controller': [
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['secrets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['serviceaccounts']),
  ],
};

export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

const controllerRoles = Object.entries(controllerRules).map(([name, rules]) => clusterRole(`system:controller:${name}`, [...rules, ...EVENTS]));

const bindings: KubeObject[] = [
  clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
  clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
  clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  clusterRoleBinding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:authenticated')]),
  clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy'), group('system:nodes')]),
  clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [user(CONTROLLER_MANAGER_USER)]),
  clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
  clusterRoleBinding('system:kube-apiserver:kubelet-api-admin', 'system:kubelet-api-admin', [user('kube-apiserver-kubelet-client')]),
  clusterRoleBinding('system:skiff:dns', 'system:skiff:dns', [user('system:skiff-dns'), group('system:nodes')]),
  clusterRoleBinding('system:skiff:local-path', 'system:skiff:local-path', [user('system:skiff-local-path'), group('system:nodes')]),
  clusterRoleBinding('system:skiff:ingress', 'system:skiff:ingress', [user('system:skiff-ingress'), group('system:nodes')]),
  clusterRoleBinding('system:skiff:ingress-secrets', 'system:skiff:ingress-secrets', [user('system:skiff-ingress')]),
  clusterRoleBinding('system:skiff:network-policy', 'system:skiff:network-policy', [user('system:skiff-network-policy'), group('system:nodes')]),
  clusterRoleBinding('system:skiff:kubelet-hollow', 'system:node', [user('system:kubelet-hollow')]),
  // kubeadm's bootstrap-token bindings: a token may ask for a node client certificate, and a node may renew its own.
  clusterRoleBinding('skiff:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]),
  clusterRoleBinding('skiff:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
  clusterRoleBinding('skiff:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
    group('system:nodes'),
  ]),
  ...Object.keys(controllerRules).map((name) => clusterRoleBinding(`system:controller:${name}`, `system:controller:${name}`, [user(CONTROLLER_MANAGER_USER)])),
];

/**
 * kube-public's cluster-info ConfigMap is what `join` reads before it has any credential
 * (kubeadm's bootstrap-signer-clusterinfo Role, bound to system:anonymous).
 */
const clusterInfoRole: KubeObject = {
  apiVersion: `${RBAC_API}/v1`,
  kind: 'Role',
  metadata: metadata('skiff:bootstrap-signer-clusterinfo', {}, 'kube-public'),
  rules: [rule(['get'], [''], ['configmaps'], ['cluster-info'])],
};
const clusterInfoBinding: KubeObject = {
  apiVersion: `${RBAC_API}/v1`,
  kind: 'RoleBinding',
  metadata: metadata('skiff:bootstrap-signer-clusterinfo', {}, 'kube-public'),
  roleRef: { apiGroup: RBAC_API, kind: 'Role', name: 'skiff:bootstrap-signer-clusterinfo' },
  subjects: [user('system:anonymous')],
};

export interface BootstrapPolicy {
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
  roles: KubeObject[];
  roleBindings: KubeObject[];
}

export function bootstrapPolicy(): BootstrapPolicy {
  return structuredClone({
    clusterRoles: [...systemRoles, ...controllerRoles],
    clusterRoleBindings: bindings,
    roles: [clusterInfoRole],
    roleBindings: [clusterInfoBinding],
  });
}

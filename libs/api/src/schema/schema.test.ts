import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnknownFields, openApiDefinitions, findDefinitionName } from './index.ts';
import { findModelName } from './builtin-kinds.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', 'example.com/any-key': 'x' }, annotations: { a: 'b' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' }, creationTimestamp: null },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.25',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: { limits: { cpu: 1, memory: '128Mi' }, requests: { cpu: '100m' } },
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
  status: { replicas: 3, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-01T00:00:00Z' }] },
};

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], nodeName: 'n1', tolerations: [{ key: 'k', operator: 'Exists' }] },
  status: {
    phase: 'Running',
    podIP: '10.244.0.5',
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: '2024-01-01T00:00:00Z' } } }],
  },
};

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's' },
  spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }], clusterIP: '10.96.0.10' },
  status: { loadBalancer: {} },
};

test('valid Deployment, Pod and Service have no unknown fields', () => {
  assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', deployment), []);
  assert.deepEqual(findUnknownFields('v1', 'Pod', pod), []);
  assert.deepEqual(findUnknownFields('v1', 'Service', service), []);
});

test('unknown fields are reported at every depth with Kubernetes-style paths', () => {
  const bad = structuredClone(deployment) as Record<string, any>;
  bad.extra = true;
  bad.metadata.nmae = 'typo';
  bad.spec.replicaz = 2;
  bad.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
  bad.spec.template.spec.containers[0].ports[0].containerPortt = 81;
  bad.spec.template.spec.volumes[0].emptyDir.sizeLimitt = '1Gi';
  bad.status.conditions[0].reasonn = 'x';
  assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', bad).sort(), [
    'extra',
    'metadata.nmae',
    'spec.replicaz',
    'spec.template.spec.containers[0].imagePullPolicyy',
    'spec.template.spec.containers[0].ports[0].containerPortt',
    'spec.template.spec.volumes[0].emptyDir.sizeLimitt',
    'status.conditions[0].reasonn',
  ]);
});

test('map-typed and free-form fields accept any key', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { whatever: 'x' } }, data: { 'any.key': 'v' } };
  assert.deepEqual(findUnknownFields('v1', 'ConfigMap', cm), []);
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { spec: { anything: 1 } } };
  assert.deepEqual(findUnknownFields('apps/v1', 'ControllerRevision', rev), []);
});

test('kinds without a schema are not judged', () => {
  assert.deepEqual(findUnknownFields('example.com/v1', 'Pod', { spec: { nonsense: 1 } }), []);
  assert.deepEqual(findUnknownFields('v1', 'NoSuchKind', { nonsense: 1 }), []);
});

test('kinds sharing a name across groups resolve to their own models', () => {
  assert.equal(findModelName({ group: '', version: 'v1', kind: 'Event' }), 'CoreV1Event');
  assert.equal(findModelName({ group: 'events.k8s.io', version: 'v1', kind: 'Event' }), 'EventsV1Event');
  assert.deepEqual(
    findUnknownFields('events.k8s.io/v1', 'Event', { apiVersion: 'events.k8s.io/v1', kind: 'Event', eventTime: null, note: 'x', regarding: {} }),
    [],
  );
  assert.deepEqual(findUnknownFields('v1', 'Event', { involvedObject: {}, message: 'x', note: 'only in events.k8s.io' }), ['note']);
});

test('definitions carry GVK, refs that resolve, required fields and patch extensions', () => {
  const defs = openApiDefinitions();
  const podDef = defs['io.k8s.api.core.v1.Pod'];
  assert.deepEqual(podDef['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(defs['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.equal(podDef.properties?.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  // PodSpec stays in core even though Deployments reach it too.
  assert.equal(defs['io.k8s.api.apps.v1.DeploymentSpec'].properties?.template.$ref, '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
  const container = defs['io.k8s.api.core.v1.Container'];
  assert.deepEqual(container.required, ['name']);
  assert.equal(container.properties?.ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(container.properties?.env['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(container.properties?.volumeMounts['x-kubernetes-patch-merge-key'], 'mountPath');
  const podSpec = defs['io.k8s.api.core.v1.PodSpec'].properties!;
  assert.equal(podSpec.containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(podSpec.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.equal(defs['io.k8s.api.core.v1.ServiceSpec'].properties?.ports['x-kubernetes-patch-merge-key'], 'port');
  assert.equal(defs['io.k8s.api.core.v1.ServicePort'].properties?.targetPort.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.deepEqual(defs['io.k8s.api.core.v1.PodStatus'].properties?.conditions['x-kubernetes-patch-merge-key'], 'type');
  assert.equal(defs['io.k8s.api.core.v1.ObjectMeta'], undefined);
  assert.ok(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Status']);
  assert.ok(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Table']);
  assert.equal(findDefinitionName({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' }), 'io.k8s.api.discovery.v1.EndpointSlice');

  const dangling: string[] = [];
  JSON.stringify(defs, (key, value) => {
    // JSONSchemaProps (CRDs) has a property named $ref: only string values are references.
    if (key === '$ref' && typeof value === 'string' && !defs[String(value).replace('#/definitions/', '')]) dangling.push(value);
    return value;
  });
  assert.deepEqual(dangling, []);
  // Clients reject arrays without exactly one item schema.
  JSON.stringify(defs, (_key, value) => {
    if (value && typeof value === 'object' && value.type === 'array') assert.ok(value.items, 'array without items');
    return value;
  });
});

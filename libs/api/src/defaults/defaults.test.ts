import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../resources.ts';
import { defaultImagePullPolicy, defaultObject } from './index.ts';
import { defaulted } from './testing.ts';

test('defaultImagePullPolicy: from the tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['registry:5000/nginx', 'Always'],
    ['registry:5000/nginx:v1', 'IfNotPresent'],
    ['nginx@sha256:abcd', 'IfNotPresent'],
    ['nginx:latest@sha256:abcd', 'Always'],
  ];
  for (const [image, want] of cases) assert.equal(defaultImagePullPolicy(image), want, image);
});

test('defaultObject: Pod', () => {
  const pod = defaulted('v1', {
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '1' }, requests: { memory: '1Gi' } },
          livenessProbe: { httpGet: { port: 80 } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
      volumes: [{ name: 'v' }, { name: 's', secret: { secretName: 's' } }],
    },
  });
  const spec = pod.spec;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  const c = spec.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.equal(c.ports[0].hostPort, undefined);
  assert.deepEqual(c.resources.requests, { memory: '1Gi', cpu: '1' });
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(spec.volumes[0], { name: 'v', emptyDir: {} });
  assert.equal(spec.volumes[1].secret.defaultMode, 420);
});

test('defaultObject: Pod keeps what the user set', () => {
  const pod = defaulted('v1', {
    kind: 'Pod',
    spec: {
      restartPolicy: 'Never',
      hostNetwork: true,
      containers: [{ name: 'c', image: 'x', imagePullPolicy: 'Never', ports: [{ containerPort: 8080, protocol: 'UDP' }] }],
    },
  });
  assert.equal(pod.spec.restartPolicy, 'Never');
  assert.equal(pod.spec.containers[0].imagePullPolicy, 'Never');
  assert.equal(pod.spec.containers[0].ports[0].protocol, 'UDP');
  assert.equal(pod.spec.containers[0].ports[0].hostPort, 8080);
});

test('defaultObject: Service', () => {
  const cases: [any, any][] = [
    [
      { ports: [{ port: 80 }] },
      {
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    ],
    [
      { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] },
      {
        type: 'NodePort',
        sessionAffinity: 'None',
        ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }],
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    ],
    [
      { type: 'ExternalName', externalName: 'example.com' },
      { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' },
    ],
    [
      { sessionAffinity: 'ClientIP', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] },
      {
        type: 'ClusterIP',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }],
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    ],
  ];
  for (const [spec, want] of cases) assert.deepEqual(defaulted('v1', { kind: 'Service', spec }).spec, want, JSON.stringify(spec));
});

test('defaultObject: Deployment, ReplicaSet, ReplicationController', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const d = defaulted('apps/v1', { kind: 'Deployment', spec: { selector: { matchLabels: { app: 'web' } }, template } });
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'Always');

  const recreate = defaulted('apps/v1', { kind: 'Deployment', spec: { replicas: 0, strategy: { type: 'Recreate' }, template } });
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
  assert.equal(recreate.spec.replicas, 0);

  const rs = defaulted('apps/v1', { kind: 'ReplicaSet', spec: { template } });
  assert.equal(rs.spec.replicas, 1);
  assert.equal(rs.spec.selector, undefined);

  const rc = defaulted('v1', { kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template } });
  assert.deepEqual(rc.spec.selector, { app: 'web' });
  assert.deepEqual(rc.metadata.labels, { app: 'web' });
  assert.equal(rc.spec.replicas, 1);
});

test('defaultObject: Namespace, Secret, Node, EndpointSlice', () => {
  const ns = defaulted('v1', { kind: 'Namespace', metadata: { name: 'team-a' } });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });

  assert.equal(defaulted('v1', { kind: 'Secret' }).type, 'Opaque');
  assert.equal(defaulted('v1', { kind: 'Secret', type: 'kubernetes.io/tls' }).type, 'kubernetes.io/tls');

  const node = defaulted('v1', { kind: 'Node', status: { capacity: { cpu: '4', pods: '110' } } });
  assert.deepEqual(node.status.allocatable, { cpu: '4', pods: '110' });

  const slice = defaulted('discovery.k8s.io/v1', { kind: 'EndpointSlice', addressType: 'IPv4', ports: [{ port: 80 }] });
  assert.deepEqual(slice.ports, [{ port: 80, protocol: 'TCP', name: '' }]);

  const cm = { kind: 'ConfigMap', data: { a: 'b' } };
  defaultObject(findResource('', 'v1', 'configmaps')!, cm);
  assert.deepEqual(cm, { kind: 'ConfigMap', data: { a: 'b' } });
});

test('defaultObject: quantities are stored canonical, stringData merges into data', () => {
  const pod = defaulted('v1', {
    kind: 'Pod',
    spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: 0.5, memory: '1024Mi' }, requests: { cpu: '100m', memory: 'bogus' } } }] },
  });
  assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m', memory: 'bogus' } });

  const secret = defaulted('v1', { kind: 'Secret', data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'hello', c: 'world' } });
  assert.deepEqual(secret.data, { a: 'eA==', b: 'aGVsbG8=', c: 'd29ybGQ=' });
  assert.equal(secret.stringData, undefined);
});

const zeroValueTemplate = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

test('fields Go serialises without omitempty are there from the first write', () => {
  const cases: [string, string, any, (o: any) => unknown, unknown][] = [
    [
      'a new RC has status.replicas 0',
      'v1',
      { kind: 'ReplicationController', spec: { replicas: 0, template: zeroValueTemplate } },
      (o) => o.status,
      { replicas: 0 },
    ],
    [
      'a new RS has status.replicas 0',
      'apps/v1',
      { kind: 'ReplicaSet', spec: { selector: { matchLabels: { app: 'web' } }, template: zeroValueTemplate } },
      (o) => o.status,
      { replicas: 0 },
    ],
    [
      'a new Deployment has an empty status',
      'apps/v1',
      { kind: 'Deployment', spec: { selector: { matchLabels: { app: 'web' } }, template: zeroValueTemplate } },
      (o) => o.status,
      {},
    ],
    [
      'a controller status write without replicas keeps 0',
      'v1',
      { kind: 'ReplicationController', spec: { template: zeroValueTemplate }, status: { observedGeneration: 2 } },
      (o) => o.status,
      { observedGeneration: 2, replicas: 0 },
    ],
    [
      'a counted status is left alone',
      'apps/v1',
      { kind: 'ReplicaSet', spec: { template: zeroValueTemplate }, status: { replicas: 3, readyReplicas: 2 } },
      (o) => o.status,
      { replicas: 3, readyReplicas: 2 },
    ],
    ['a Service has status.loadBalancer', 'v1', { kind: 'Service', spec: { ports: [{ port: 80 }] } }, (o) => o.status, { loadBalancer: {} }],
    [
      'container statuses carry ready, restartCount, image, imageID, state and lastState',
      'v1',
      { kind: 'Pod', spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { containerStatuses: [{ name: 'c', state: { running: {} } }] } },
      (o) => o.status.containerStatuses[0],
      { name: 'c', state: { running: {} }, lastState: {}, ready: false, restartCount: 0, image: '', imageID: '' },
    ],
    [
      'a Node has nodeInfo and daemonEndpoints',
      'v1',
      { kind: 'Node', metadata: { name: 'n1' }, status: { nodeInfo: { kubeletVersion: 'v1.30.0' } } },
      (o) => [o.status.nodeInfo.kubeletVersion, o.status.nodeInfo.bootID, o.status.nodeInfo.kubeProxyVersion, o.status.daemonEndpoints],
      ['v1.30.0', '', '', { kubeletEndpoint: { Port: 0 } }],
    ],
    [
      'an EndpointSlice has endpoints, each with conditions',
      'discovery.k8s.io/v1',
      { kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] },
      (o) => o.endpoints,
      [{ addresses: ['10.0.0.1'], conditions: {} }],
    ],
    ['an empty EndpointSlice has endpoints: []', 'discovery.k8s.io/v1', { kind: 'EndpointSlice', addressType: 'IPv4' }, (o) => o.endpoints, []],
    [
      'container ports default to TCP',
      'v1',
      { kind: 'Pod', spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      (o) => o.spec.containers[0].ports,
      [{ containerPort: 80, protocol: 'TCP' }],
    ],
  ];
  for (const [name, apiVersion, obj, pick, want] of cases) assert.deepEqual(pick(defaulted(apiVersion, obj)), want, name);
});

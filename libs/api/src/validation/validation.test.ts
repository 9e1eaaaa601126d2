import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, withPatch } from './testing.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 80, name: 'http' }] }] },
};
const template = { metadata: { labels: { app: 'web' } }, spec: pod.spec };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, template },
};
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
};

test('validateObject: valid objects have no errors', () => {
  const valid = [
    pod,
    deployment,
    service,
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template },
    },
    { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { template } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1.example' }, spec: { podCIDR: '10.244.1.0/24' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'x', KEY_1: 'y' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { password: 'aHVudGVyMg==' } },
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'] }],
      ports: [{ name: 'http', port: 80 }],
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'db' } } },
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.17a2b3c4', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Started',
      type: 'Normal',
    },
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'node-1.17a2b3c4', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'node-1' },
      reason: 'NodeReady',
    },
    {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Started',
      action: 'Start',
      type: 'Normal',
      reportingController: 'skiff/kubelet',
      reportingInstance: 'node-1',
      eventTime: '2026-01-01T00:00:00.000000Z',
    },
    { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'default' }, target: { kind: 'Node', name: 'node-1' } },
  ];
  for (const obj of valid) assert.deepEqual(check(obj), [], `${obj.kind} ${obj.metadata.name}`);
});

test('validateObject: invalid objects report Kubernetes field errors', () => {
  const subdomainMsg =
    "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  const cases: [string, any, { field: string; reason: string; message?: string | RegExp }[]][] = [
    ['bad name', withPatch(pod, (o) => (o.metadata.name = 'Bad_Name')), [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: subdomainMsg }]],
    [
      'no name',
      withPatch(pod, (o) => delete o.metadata.name),
      [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }],
    ],
    [
      'generateName ok',
      withPatch(pod, (o) => {
        delete o.metadata.name;
        o.metadata.generateName = 'web-';
      }),
      [],
    ],
    [
      'no namespace',
      withPatch(pod, (o) => delete o.metadata.namespace),
      [{ field: 'metadata.namespace', reason: 'FieldValueRequired', message: 'Required value' }],
    ],
    [
      'namespace on cluster kind',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'y' } },
      [{ field: 'metadata.namespace', reason: 'FieldValueForbidden', message: 'Forbidden: not allowed on this type' }],
    ],
    [
      'namespace name is a label',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } },
      [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: /RFC 1123 label/ }],
    ],
    [
      'bad label value',
      withPatch(pod, (o) => (o.metadata.labels.app = 'a b')),
      [{ field: 'metadata.labels', reason: 'FieldValueInvalid', message: /^Invalid value: "a b": a valid label must be an empty string/ }],
    ],
    [
      'bad label key',
      withPatch(pod, (o) => (o.metadata.labels['-x'] = 'y')),
      [{ field: 'metadata.labels', reason: 'FieldValueInvalid', message: /name part must consist/ }],
    ],
    [
      'huge annotations',
      withPatch(pod, (o) => (o.metadata.annotations = { a: 'x'.repeat(262144) })),
      [{ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes' }],
    ],
    ['no containers', withPatch(pod, (o) => (o.spec.containers = [])), [{ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' }]],
    ['no image', withPatch(pod, (o) => delete o.spec.containers[0].image), [{ field: 'spec.containers[0].image', reason: 'FieldValueRequired' }]],
    [
      'duplicate container',
      withPatch(pod, (o) => o.spec.containers.push({ name: 'c', image: 'x' })),
      [{ field: 'spec.containers[1].name', reason: 'FieldValueDuplicate', message: 'Duplicate value: "c"' }],
    ],
    [
      'port out of range',
      withPatch(pod, (o) => (o.spec.containers[0].ports[0].containerPort = 70000)),
      [
        {
          field: 'spec.containers[0].ports[0].containerPort',
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 70000: must be between 1 and 65535, inclusive',
        },
      ],
    ],
    [
      'bad protocol',
      withPatch(pod, (o) => (o.spec.containers[0].ports[0].protocol = 'HTTP')),
      [
        {
          field: 'spec.containers[0].ports[0].protocol',
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        },
      ],
    ],
    [
      'bad restartPolicy',
      withPatch(pod, (o) => (o.spec.restartPolicy = 'Sometimes')),
      [
        {
          field: 'spec.restartPolicy',
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        },
      ],
    ],
    [
      'bad env name',
      withPatch(pod, (o) => (o.spec.containers[0].env = [{ name: '1X', value: 'y' }])),
      [{ field: 'spec.containers[0].env[0].name', reason: 'FieldValueInvalid', message: /valid environment variable name/ }],
    ],
    [
      'request above limit',
      withPatch(pod, (o) => (o.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '1' } })),
      [
        {
          field: 'spec.containers[0].resources.requests',
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "2": must be less than or equal to cpu limit of 1',
        },
      ],
    ],
    [
      'bad quantity',
      withPatch(pod, (o) => (o.spec.containers[0].resources = { requests: { memory: '1GB' } })),
      [{ field: 'spec.containers[0].resources.requests[memory]', reason: 'FieldValueInvalid', message: /quantities must match the regular expression/ }],
    ],
    [
      'negative quantity',
      withPatch(pod, (o) => (o.spec.containers[0].resources = { requests: { cpu: '-1' } })),
      [
        {
          field: 'spec.containers[0].resources.requests[cpu]',
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "-1": must be greater than or equal to 0',
        },
      ],
    ],
    [
      'probe without handler',
      withPatch(pod, (o) => (o.spec.containers[0].livenessProbe = { periodSeconds: 5 })),
      [{ field: 'spec.containers[0].livenessProbe', reason: 'FieldValueRequired', message: 'Required value: must specify a handler type' }],
    ],
    [
      'liveness successThreshold',
      withPatch(pod, (o) => (o.spec.containers[0].livenessProbe = { tcpSocket: { port: 'http' }, successThreshold: 2 })),
      [{ field: 'spec.containers[0].livenessProbe.successThreshold', reason: 'FieldValueInvalid', message: 'Invalid value: 2: must be 1' }],
    ],
    [
      'two volume sources',
      withPatch(pod, (o) => (o.spec.volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }])),
      [{ field: 'spec.volumes[0].emptyDir', reason: 'FieldValueForbidden', message: 'Forbidden: may not specify more than 1 volume type' }],
    ],
    [
      'duplicate volume',
      withPatch(pod, (o) => (o.spec.volumes = [{ name: 'v' }, { name: 'v' }])),
      [{ field: 'spec.volumes[1].name', reason: 'FieldValueDuplicate' }],
    ],
    [
      'mount of unknown volume',
      withPatch(pod, (o) => (o.spec.containers[0].volumeMounts = [{ name: 'nope', mountPath: '/d' }])),
      [{ field: 'spec.containers[0].volumeMounts[0].name', reason: 'FieldValueNotFound', message: 'Not found: "nope"' }],
    ],
    [
      'negative replicas',
      withPatch(deployment, (o) => (o.spec.replicas = -1)),
      [{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0' }],
    ],
    [
      'selector mismatch',
      withPatch(deployment, (o) => (o.spec.selector.matchLabels.app = 'api')),
      [{ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', message: /`selector` does not match template `labels`/ }],
    ],
    ['no selector', withPatch(deployment, (o) => delete o.spec.selector), [{ field: 'spec.selector', reason: 'FieldValueRequired' }]],
    [
      'empty selector',
      withPatch(deployment, (o) => (o.spec.selector = {})),
      [{ field: 'spec.selector', reason: 'FieldValueInvalid', message: /empty selector is invalid for deployment/ }],
    ],
    [
      'bad selector operator',
      withPatch(deployment, (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] })),
      [
        {
          field: 'spec.selector.matchExpressions[0].operator',
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Like": supported values: "DoesNotExist", "Exists", "In", "NotIn"',
        },
      ],
    ],
    [
      'In without values',
      withPatch(deployment, (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] })),
      [{ field: 'spec.selector.matchExpressions[0].values', reason: 'FieldValueRequired' }],
    ],
    ['bad strategy', withPatch(deployment, (o) => (o.spec.strategy = { type: 'Blue' })), [{ field: 'spec.strategy.type', reason: 'FieldValueNotSupported' }]],
    [
      'zero surge and unavailable',
      withPatch(deployment, (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } })),
      [{ field: 'spec.strategy.rollingUpdate.maxUnavailable', reason: 'FieldValueInvalid', message: 'Invalid value: "0%": may not be 0 when `maxSurge` is 0' }],
    ],
    [
      'percent over 100',
      withPatch(deployment, (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: '150%' } })),
      [{ field: 'spec.strategy.rollingUpdate.maxSurge', reason: 'FieldValueInvalid', message: 'Invalid value: "150%": must not be greater than 100%' }],
    ],
    [
      'template restartPolicy',
      withPatch(deployment, (o) => (o.spec.template.spec.restartPolicy = 'Never')),
      [{ field: 'spec.template.spec.restartPolicy', reason: 'FieldValueNotSupported', message: 'Unsupported value: "Never": supported values: "Always"' }],
    ],
    ['service without ports', withPatch(service, (o) => delete o.spec.ports), [{ field: 'spec.ports', reason: 'FieldValueRequired' }]],
    [
      'service bad type',
      withPatch(service, (o) => (o.spec.type = 'Magic')),
      [
        {
          field: 'spec.type',
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        },
      ],
    ],
    ['service bad clusterIP', withPatch(service, (o) => (o.spec.clusterIP = '10.0.0.300')), [{ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid' }]],
    [
      'service unnamed ports',
      withPatch(service, (o) => o.spec.ports.push({ port: 443 })),
      [
        { field: 'spec.ports[0].name', reason: 'FieldValueRequired' },
        { field: 'spec.ports[1].name', reason: 'FieldValueRequired' },
      ],
    ],
    [
      'service nodePort on ClusterIP',
      withPatch(service, (o) => (o.spec.ports[0].nodePort = 30080)),
      [{ field: 'spec.ports[0].nodePort', reason: 'FieldValueForbidden', message: "Forbidden: may not be used when `type` is 'ClusterIP'" }],
    ],
    [
      'service name is a DNS-1035 label',
      withPatch(service, (o) => (o.metadata.name = '1web')),
      [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: /DNS-1035 label/ }],
    ],
    [
      'configmap bad key',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { 'a/b': 'x' } },
      [{ field: 'data[a/b]', reason: 'FieldValueInvalid', message: /a valid config key must consist/ }],
    ],
    [
      'secret bad base64',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { a: 'not base64!' } },
      [{ field: 'data[a]', reason: 'FieldValueInvalid' }],
    ],
    [
      'tls secret without key',
      { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 's', namespace: 'default' }, data: { 'tls.crt': 'eA==' } },
      [{ field: 'data[tls.key]', reason: 'FieldValueRequired' }],
    ],
    [
      'lease duration',
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'default' }, spec: { leaseDurationSeconds: 0 } },
      [{ field: 'spec.leaseDurationSeconds', reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be greater than 0' }],
    ],
    [
      'endpointslice bad address',
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'e', namespace: 'default' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['fe80::1'] }],
      },
      [{ field: 'endpoints[0].addresses[0]', reason: 'FieldValueInvalid', message: 'Invalid value: "fe80::1": must be a valid IPv4 address' }],
    ],
    [
      'event in another namespace',
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e', namespace: 'kube-system' },
        involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      },
      [{ field: 'involvedObject.namespace', reason: 'FieldValueInvalid', message: 'Invalid value: "default": does not match event.namespace' }],
    ],
    [
      'events.k8s.io event missing fields',
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'e', namespace: 'default' },
        reason: 'X',
        action: 'Y',
        type: 'Normal',
        reportingInstance: 'n',
      },
      [{ field: 'reportingController', reason: 'FieldValueRequired' }],
    ],
    [
      'binding without target',
      { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', namespace: 'default' }, target: {} },
      [{ field: 'target.name', reason: 'FieldValueRequired' }],
    ],
    [
      'node bad podCIDR',
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/33' } },
      [{ field: 'spec.podCIDR', reason: 'FieldValueInvalid' }],
    ],
  ];
  for (const [name, obj, want] of cases) {
    const got = check(obj);
    assert.equal(got.length, want.length, `${name}: ${JSON.stringify(got)}`);
    want.forEach((w, i) => {
      assert.equal(got[i].field, w.field, name);
      assert.equal(got[i].reason, w.reason, name);
      if (typeof w.message === 'string') assert.equal(got[i].message, w.message, name);
      else if (w.message) assert.match(got[i].message, w.message, name);
    });
  }
});

test('validateObject: update rules', () => {
  const boundPod = withPatch(pod, (o) => (o.spec.nodeName = 'node-1'));
  const cases: [string, any, any, { field: string; reason: string; message?: string | RegExp }[]][] = [
    ['pod image change', withPatch(pod, (o) => (o.spec.containers[0].image = 'nginx:1.26')), pod, []],
    ['pod tolerations added', withPatch(pod, (o) => (o.spec.tolerations = [{ key: 'k', operator: 'Exists' }])), pod, []],
    [
      'pod spec change',
      withPatch(pod, (o) => (o.spec.containers[0].ports[0].containerPort = 81)),
      pod,
      [{ field: 'spec', reason: 'FieldValueForbidden', message: /^Forbidden: pod updates may not change fields other than/ }],
    ],
    [
      'pod nodeName change',
      withPatch(boundPod, (o) => (o.spec.nodeName = 'node-2')),
      boundPod,
      [
        { field: 'spec.nodeName', reason: 'FieldValueInvalid', message: 'Invalid value: "node-2": field is immutable' },
        { field: 'spec', reason: 'FieldValueForbidden' },
      ],
    ],
    [
      'rename',
      withPatch(pod, (o) => (o.metadata.name = 'other')),
      pod,
      [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: 'Invalid value: "other": field is immutable' }],
    ],
    [
      'uid change',
      withPatch(pod, (o) => (o.metadata.uid = 'b')),
      withPatch(pod, (o) => (o.metadata.uid = 'a')),
      [{ field: 'metadata.uid', reason: 'FieldValueInvalid' }],
    ],
    ['deployment scale', withPatch(deployment, (o) => (o.spec.replicas = 5)), deployment, []],
    [
      'deployment selector',
      withPatch(deployment, (o) => {
        o.spec.selector.matchLabels.tier = 'x';
        o.spec.template.metadata.labels.tier = 'x';
      }),
      deployment,
      [{ field: 'spec.selector', reason: 'FieldValueInvalid', message: /field is immutable$/ }],
    ],
    [
      'service clusterIP',
      withPatch(service, (o) => (o.spec.clusterIP = '10.96.0.20')),
      withPatch(service, (o) => (o.spec.clusterIP = '10.96.0.10')),
      [{ field: 'spec.clusterIP', reason: 'FieldValueInvalid', message: 'Invalid value: "10.96.0.20": field is immutable' }],
    ],
    [
      'immutable configmap',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, immutable: true, data: { a: '2' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, immutable: true, data: { a: '1' } },
      [{ field: 'data', reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' }],
    ],
    [
      'secret type',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'x/y' },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } },
      [{ field: 'type', reason: 'FieldValueInvalid', message: 'Invalid value: "x/y": field is immutable' }],
    ],
    [
      'node podCIDR',
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.2.0/24' } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/24' } },
      [{ field: 'spec.podCIDR', reason: 'FieldValueForbidden' }],
    ],
    [
      'node podCIDR first set',
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.2.0/24' } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } },
      [],
    ],
  ];
  for (const [name, obj, old, want] of cases) {
    const got = check(obj, old);
    assert.equal(got.length, want.length, `${name}: ${JSON.stringify(got)}`);
    want.forEach((w, i) => {
      assert.equal(got[i].field, w.field, name);
      assert.equal(got[i].reason, w.reason, name);
      if (typeof w.message === 'string') assert.equal(got[i].message, w.message, name);
      else if (w.message) assert.match(got[i].message, w.message, name);
    });
  }
});

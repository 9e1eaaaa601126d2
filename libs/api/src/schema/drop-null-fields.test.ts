import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropNullFields } from './drop-null-fields.ts';

test("dropNullFields: a null field is an absent one (Longhorn's nodePort: null on a ClusterIP port)", () => {
  const service = {
    metadata: { name: 'longhorn-frontend', labels: null, annotations: { note: null } },
    spec: { type: 'ClusterIP', selector: { app: 'ui' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: null }], clusterIP: null },
  };
  dropNullFields('v1', 'Service', service);
  assert.deepEqual(service, {
    metadata: { name: 'longhorn-frontend', annotations: { note: '' } },
    spec: { type: 'ClusterIP', selector: { app: 'ui' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
});

test('dropNullFields: array elements take Go\'s zero values; string maps keep the key with ""', () => {
  const pod = {
    spec: {
      containers: [null, { name: 'c', image: 'i', args: ['a', null], env: null, volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: null }] }],
      template: null,
    },
  };
  dropNullFields('v1', 'Pod', pod);
  assert.deepEqual(pod.spec.containers, [{}, { name: 'c', image: 'i', args: ['a', ''], volumeMounts: [{ name: 'v', mountPath: '/v' }] }]);
});

test('dropNullFields: unknown fields, free-form JSON and custom resources keep their nulls', () => {
  const cm = { metadata: { name: 'x', bogus: null }, data: { a: null } };
  dropNullFields('v1', 'ConfigMap', cm);
  assert.deepEqual(cm, { metadata: { name: 'x', bogus: null }, data: { a: '' } });
  const custom = { spec: { a: null } };
  dropNullFields('example.com/v1', 'Widget', custom);
  assert.deepEqual(custom, { spec: { a: null } });
});

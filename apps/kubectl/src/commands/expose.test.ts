import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@skiff/client';
import { serviceFor } from './expose.ts';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { spec: { containers: [{ ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }] } },
  },
} as KubeObject;

test('expose a Deployment: its matchLabels, every container port named port-N, its labels, its name', () => {
  assert.deepEqual(serviceFor(deployment, {}), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { creationTimestamp: null, name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: {
      ports: [
        { name: 'port-1', port: 8080, protocol: 'TCP', targetPort: 8080 },
        { name: 'port-2', port: 53, protocol: 'UDP', targetPort: 53 },
      ],
      selector: { app: 'web' },
    },
    status: { loadBalancer: {} },
  });
});

test('expose flags: --port, --target-port (number or name), --name, --type, --selector, --external-ip', () => {
  const svc = serviceFor(deployment, {
    port: '80',
    targetPort: 'http',
    name: 'front',
    type: 'NodePort',
    selector: 'x=y',
    externalIp: '10.0.0.9',
  }) as KubeObject & { spec: unknown };
  assert.equal(svc.metadata?.name, 'front');
  assert.deepEqual(svc.spec, { ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }], selector: { x: 'y' }, type: 'NodePort', externalIPs: ['10.0.0.9'] });
  const numeric = serviceFor(deployment, { port: '80', targetPort: '8080' }) as KubeObject & { spec: { ports: unknown[] } };
  assert.deepEqual(numeric.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
});

test("expose a Pod uses its labels; kubectl's errors for what cannot be exposed", () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { run: 'p' } },
    spec: { containers: [{ ports: [{ containerPort: 80 }] }] },
  } as KubeObject;
  assert.deepEqual((serviceFor(pod, {}) as KubeObject & { spec: { selector: unknown } }).spec.selector, { run: 'p' });
  const portless = { ...pod, spec: { containers: [{}] } } as KubeObject;
  assert.throws(() => serviceFor(portless, {}), /^CliError: couldn't find port via --port flag or introspection$/);
  assert.throws(() => serviceFor({ ...pod, metadata: { name: 'p' } }, {}), /the pod has no labels and cannot be exposed/);
  assert.throws(() => serviceFor({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } }, { port: '80' }), /cannot expose a Job\.batch/);
  const byExpression = { ...deployment, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } } } as KubeObject;
  assert.throws(() => serviceFor(byExpression, { port: '80' }), /to map-based selector format/);
});

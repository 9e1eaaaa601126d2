import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container as KubeContainer, Pod, Secret } from '@skiff/api';
import { expandVars, getResourceField, resolveEnv, type EnvSources } from './env.ts';

const pod: Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-42', labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'node-a', serviceAccountName: 'builder', containers: [] },
  status: { podIP: '10.0.0.9', hostIP: '192.168.1.5' },
};

const configMaps: Record<string, ConfigMap> = {
  'shop/settings': { metadata: { name: 'settings' }, data: { MODE: 'fast', 'bad key': 'x', LEVEL: '3' } },
};
const secrets: Record<string, Secret> = {
  'shop/creds': { metadata: { name: 'creds' }, data: { PASSWORD: Buffer.from('s3cret').toString('base64') } },
};
const sources: EnvSources = {
  getConfigMap: async (ns, name) => configMaps[`${ns}/${name}`],
  getSecret: async (ns, name) => secrets[`${ns}/${name}`],
  podIP: '10.0.0.7',
};

test('envFrom, then env in order: overrides, $(VAR) expansion, all sources', async () => {
  const container: KubeContainer = {
    name: 'app',
    resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } },
    envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds' }, prefix: 'DB_' }, { configMapRef: { name: 'absent', optional: true } }],
    env: [
      { name: 'LEVEL', value: 'override-$(MODE)' },
      { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
      { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope', optional: true } } },
      { name: 'ESC', value: '$$(MODE) and $(UNKNOWN)' },
    ],
  };
  const env = Object.fromEntries((await resolveEnv(pod, container, sources)).map((e) => [e.name, e.value]));
  assert.deepEqual(env, {
    MODE: 'fast',
    LEVEL: 'override-fast',
    DB_PASSWORD: 's3cret',
    KEY: 'fast',
    PW: 's3cret',
    POD: 'web-1',
    NS: 'shop',
    UID: 'u-42',
    APP: 'web',
    NOTE: 'hi',
    LABELS: 'app="web"\ntier="front"',
    IP: '10.0.0.7',
    HOST: '192.168.1.5',
    NODE: 'node-a',
    SA: 'builder',
    CPU: '1',
    CPU_M: '250',
    MEM_MI: '64',
    ESC: '$(MODE) and $(UNKNOWN)',
  });
  assert.equal('bad key' in env, false, 'keys that are not valid names are skipped');
});

test('missing required sources fail with the kubelet message', async () => {
  const run = (env: KubeContainer['env'], envFrom?: KubeContainer['envFrom']) => resolveEnv(pod, { name: 'c', env, ...(envFrom ? { envFrom } : {}) }, sources);
  await assert.rejects(run([], [{ configMapRef: { name: 'absent' } }]), /configmap "absent" not found/);
  await assert.rejects(run([], [{ secretRef: { name: 'absent' } }]), /secret "absent" not found/);
  await assert.rejects(
    run([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope' } } }]),
    /couldn't find key nope in ConfigMap shop\/settings/,
  );
  await assert.rejects(run([{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope' } } }]), /couldn't find key nope in Secret shop\/creds/);
  await assert.rejects(run([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }]), /unsupported fieldRef/);
});

test('resourceFieldRef rounds up and falls back to node allocatable', () => {
  const c: KubeContainer = { name: 'c', resources: { limits: { cpu: '1500m' } } };
  assert.equal(getResourceField(c, { resource: 'limits.cpu' }, {}), '2');
  assert.equal(getResourceField(c, { resource: 'limits.cpu', divisor: '100m' }, {}), '15');
  assert.equal(getResourceField(c, { resource: 'limits.memory', divisor: '1Gi' }, { nodeAllocatable: { memory: '8Gi' } }), '8');
  assert.equal(getResourceField(c, { resource: 'requests.cpu', divisor: '1m' }, {}), '1500', 'requests default to limits');
  assert.throws(() => getResourceField(c, { resource: 'cpu' }, {}), /unsupported resourceFieldRef/);
});

test('expandVars', () => {
  const vars = new Map([
    ['A', 'x'],
    ['B', 'y'],
  ]);
  assert.equal(expandVars('$(A)-$(B)/$(C)/$$(A)/$', vars), 'x-y/$(C)/$(A)/$');
});

test("Service variables: appended after the container's own, which win; $(VAR) may use them; none without a lister", async () => {
  const kubernetes = {
    metadata: { name: 'kubernetes', namespace: 'default' },
    spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
  };
  const backend = { metadata: { name: 'backend', namespace: 'shop' }, spec: { clusterIP: '10.96.0.3', ports: [{ port: 8080 }] } };
  const services = { hasSynced: () => true, list: (ns?: string) => [kubernetes, backend].filter((s) => ns === undefined || s.metadata.namespace === ns) };
  const container: KubeContainer = {
    name: 'app',
    env: [
      { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
      { name: 'BACKEND_SERVICE_HOST', value: 'mine' },
    ],
  };
  const env = await resolveEnv(pod, container, { ...sources, services });
  const byName = Object.fromEntries(env.map((e) => [e.name, e.value]));
  assert.equal(byName.API, 'https://10.96.0.1:443');
  assert.equal(byName.BACKEND_SERVICE_HOST, 'mine', "the container's own variable wins");
  assert.equal(byName.BACKEND_PORT, 'tcp://10.96.0.3:8080');
  assert.equal(byName.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.deepEqual(
    env.slice(0, 2).map((e) => e.name),
    ['API', 'BACKEND_SERVICE_HOST'],
    'declared variables first, in order',
  );
  assert.equal(env.filter((e) => e.name === 'BACKEND_SERVICE_HOST').length, 1);

  const noLinks = await resolveEnv({ ...pod, spec: { ...pod.spec!, enableServiceLinks: false } }, { name: 'c' }, { ...sources, services });
  assert.deepEqual(
    noLinks.map((e) => e.name).filter((n) => n.endsWith('_SERVICE_HOST')),
    ['KUBERNETES_SERVICE_HOST'],
  );
  assert.deepEqual(await resolveEnv(pod, { name: 'c' }, sources), [], 'hollow nodes: no Services, no variables');
});

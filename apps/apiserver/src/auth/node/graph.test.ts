import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, Pod } from '@skiff/api';
import { NodeGraph } from './graph.ts';
import { persistentVolumeSecrets, podReferences } from './pod-references.ts';

function pod(name: string, node: string | undefined, spec: Partial<NonNullable<Pod['spec']>> = {}, ns = 'default'): Pod {
  return { metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(node ? { nodeName: node } : {}), ...spec } };
}

const everything: Partial<NonNullable<Pod['spec']>> = {
  serviceAccountName: 'builder',
  imagePullSecrets: [{ name: 'pull' }],
  initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'init-env' } }] }],
  containers: [
    {
      name: 'c',
      env: [
        { name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'a' } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'b' } } },
      ],
      envFrom: [{ configMapRef: { name: 'from-cm' } }],
    },
  ],
  volumes: [
    { name: 'v1', secret: { secretName: 'vol-secret' } },
    { name: 'v2', configMap: { name: 'vol-cm' } },
    { name: 'v3', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }, { serviceAccountToken: { path: 't' } }] } },
    { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
    { name: 'v6', csi: { driver: 'x', nodePublishSecretRef: { name: 'csi-secret' } } },
    { name: 'v7', rbd: { image: 'i', monitors: ['m'], secretRef: { name: 'rbd-secret' } } },
  ],
};

test('podReferences: every place a pod names a secret, config map, claim or account', () => {
  const refs = podReferences(pod('web', 'n1', everything));
  assert.deepEqual([...refs.secrets].sort(), ['csi-secret', 'env-secret', 'init-env', 'proj-secret', 'pull', 'rbd-secret', 'vol-secret']);
  assert.deepEqual([...refs.configMaps].sort(), ['env-cm', 'from-cm', 'proj-cm', 'vol-cm']);
  assert.deepEqual([...refs.claims].sort(), ['data', 'web-scratch']);
  assert.equal(refs.serviceAccount, 'builder');
});

test('persistentVolumeSecrets: csi refs with their namespace, others in the claim namespace', () => {
  const pv: PersistentVolume = {
    metadata: { name: 'pv1' },
    spec: {
      claimRef: { namespace: 'apps', name: 'data' },
      csi: { driver: 'x', volumeHandle: 'h', nodePublishSecretRef: { name: 'pub', namespace: 'csi' }, nodeStageSecretRef: { name: 'stage' } },
    },
  };
  assert.deepEqual(persistentVolumeSecrets(pv).sort(), ['apps/stage', 'csi/pub']);
});

test('graph: a bound pod leads its node to what it names, and only its node', () => {
  const g = new NodeGraph();
  g.setPod(pod('web', 'n1', everything), undefined);
  for (const [type, name] of [
    ['secret', 'pull'],
    ['secret', 'vol-secret'],
    ['configmap', 'proj-cm'],
    ['pvc', 'data'],
    ['pvc', 'web-scratch'],
    ['serviceaccount', 'builder'],
  ] as const) {
    assert.equal(g.hasPath('n1', type, 'default', name), true, `${type} ${name}`);
    assert.equal(g.hasPath('n2', type, 'default', name), false, `${type} ${name} from n2`);
  }
  assert.equal(g.hasPath('n1', 'secret', 'other', 'pull'), false, 'same name in another namespace');
  assert.equal(g.hasPath('n1', 'secret', 'default', 'unrelated'), false);
});

test('graph: unbound pods lead nowhere; binding, moving and deleting update the paths', () => {
  const g = new NodeGraph();
  const pending = pod('web', undefined, { volumes: [{ name: 's', secret: { secretName: 'tls' } }] });
  g.setPod(pending, undefined);
  assert.equal(g.hasPath('n1', 'secret', 'default', 'tls'), false);
  const bound = { ...pending, spec: { ...pending.spec!, nodeName: 'n1' } };
  g.setPod(bound, pending);
  assert.equal(g.hasPath('n1', 'secret', 'default', 'tls'), true);
  const edited = { ...bound, spec: { ...bound.spec, volumes: [{ name: 's', secret: { secretName: 'tls2' } }] } };
  g.setPod(edited, bound);
  assert.equal(g.hasPath('n1', 'secret', 'default', 'tls'), false);
  assert.equal(g.hasPath('n1', 'secret', 'default', 'tls2'), true);
  g.setPod(undefined, edited);
  assert.equal(g.hasPath('n1', 'secret', 'default', 'tls2'), false);
});

test('graph: two pods on a node naming the same secret; one leaving keeps the path', () => {
  const g = new NodeGraph();
  const spec = { volumes: [{ name: 's', secret: { secretName: 'shared' } }] };
  g.setPod(pod('a', 'n1', spec), undefined);
  g.setPod(pod('b', 'n1', spec), undefined);
  g.setPod(undefined, pod('a', 'n1', spec));
  assert.equal(g.hasPath('n1', 'secret', 'default', 'shared'), true);
});

test('graph: a volume reaches the node through its claim, and the volume’s secrets through it', () => {
  const g = new NodeGraph();
  g.setPod(pod('db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }), undefined);
  const pv: PersistentVolume = {
    metadata: { name: 'pv1' },
    spec: {
      claimRef: { namespace: 'default', name: 'data' },
      csi: { driver: 'x', volumeHandle: 'h', nodePublishSecretRef: { name: 'creds', namespace: 'storage' } },
    },
  };
  assert.equal(g.hasPath('n1', 'pv', undefined, 'pv1'), false, 'not yet known');
  g.setPersistentVolume(pv, undefined);
  assert.equal(g.hasPath('n1', 'pv', undefined, 'pv1'), true);
  assert.equal(g.hasPath('n2', 'pv', undefined, 'pv1'), false);
  assert.equal(g.hasPath('n1', 'secret', 'storage', 'creds'), true);
  g.setPersistentVolume({ ...pv, spec: { ...pv.spec, claimRef: { namespace: 'default', name: 'other' } } }, pv);
  assert.equal(g.hasPath('n1', 'pv', undefined, 'pv1'), false);
});

test('graph: changed() resolves on the next update, or after the wait', async () => {
  const g = new NodeGraph();
  const waiting = g.changed(10_000);
  g.setPod(pod('a', 'n1'), undefined);
  await waiting;
  const start = Date.now();
  await g.changed(20);
  assert.ok(Date.now() - start >= 15);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createThreeWayMergePatch } from './three-way-merge.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

const DEPLOY = 'apps/v1/Deployment';

/** A Deployment manifest; `live` adds what the server and controllers add. */
function manifest(opts: { replicas?: number; image?: string; env?: object[]; ports?: object[]; labels?: Record<string, string>; containers?: object[] } = {}) {
  const container = {
    name: 'web',
    image: opts.image ?? 'nginx:1',
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.ports ? { ports: opts.ports } : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: opts.labels ?? { app: 'web' } },
    spec: {
      replicas: opts.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: opts.containers ?? [container] } },
    },
  };
}

/** What the server holds after applying `m`: defaults, status, a label another writer set. */
function live(m: ReturnType<typeof manifest>) {
  const c = structuredClone(m) as any;
  c.metadata.uid = 'u1';
  c.metadata.resourceVersion = '7';
  c.metadata.labels = { ...c.metadata.labels, team: 'ops' };
  c.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  for (const container of c.spec.template.spec.containers) container.imagePullPolicy = 'IfNotPresent';
  c.status = { replicas: c.spec.replicas, observedGeneration: 1 };
  return c;
}

/** Applying the patch to live must equal live with the manifest's changes made. */
interface Case {
  name: string;
  original: ReturnType<typeof manifest>;
  modified: ReturnType<typeof manifest>;
  expect: (current: any) => void;
}

const cases: Case[] = [
  {
    name: 'edit replicas',
    original: manifest(),
    modified: manifest({ replicas: 5 }),
    expect: (c) => {
      c.spec.replicas = 5;
    },
  },
  {
    name: 'change image',
    original: manifest(),
    modified: manifest({ image: 'nginx:2' }),
    expect: (c) => {
      c.spec.template.spec.containers[0].image = 'nginx:2';
    },
  },
  {
    name: 'add env',
    original: manifest({ env: [{ name: 'A', value: '1' }] }),
    modified: manifest({
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    }),
    expect: (c) => {
      c.spec.template.spec.containers[0].env.push({ name: 'B', value: '2' });
    },
  },
  {
    name: 'remove env',
    original: manifest({
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    }),
    modified: manifest({ env: [{ name: 'B', value: '2' }] }),
    expect: (c) => {
      c.spec.template.spec.containers[0].env = [{ name: 'B', value: '2' }];
    },
  },
  {
    name: 'remove a port',
    original: manifest({ ports: [{ containerPort: 80 }, { containerPort: 443 }] }),
    modified: manifest({ ports: [{ containerPort: 80 }] }),
    expect: (c) => {
      c.spec.template.spec.containers[0].ports = [{ containerPort: 80 }];
    },
  },
  {
    name: 'remove a label (keeping the one another writer set)',
    original: manifest({ labels: { app: 'web', tier: 'front' } }),
    modified: manifest({ labels: { app: 'web' } }),
    expect: (c) => {
      delete c.metadata.labels.tier;
    },
  },
  {
    name: 'list reorder',
    original: manifest({
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    }),
    modified: manifest({
      env: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
    }),
    expect: (c) => {
      c.spec.template.spec.containers[0].env.reverse();
    },
  },
  {
    name: 'add a container',
    original: manifest(),
    modified: manifest({
      containers: [
        { name: 'web', image: 'nginx:1' },
        { name: 'side', image: 'busybox' },
      ],
    }),
    expect: (c) => {
      c.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
    },
  },
];

for (const { name, original, modified, expect } of cases) {
  test(`three-way merge round-trips: ${name}`, () => {
    const current = live(original);
    const patch = createThreeWayMergePatch(original, modified, current, DEPLOY);
    const want = structuredClone(current);
    expect(want);
    assert.deepEqual(applyStrategicMergePatch(current, patch, DEPLOY), want);
    // Re-applying the same manifest to the result changes nothing.
    assert.deepEqual(createThreeWayMergePatch(modified, modified, want, DEPLOY), {});
  });
}

test('an unchanged manifest yields an empty patch even though the live object has more', () => {
  const m = manifest();
  assert.deepEqual(createThreeWayMergePatch(m, m, live(m), DEPLOY), {});
});

test('deletions use kubectl directives: null for keys, $patch delete for keyed items, $setElementOrder', () => {
  const original = manifest({ labels: { app: 'web', tier: 'front' }, ports: [{ containerPort: 80 }, { containerPort: 443 }] });
  const modified = manifest({ labels: { app: 'web' }, ports: [{ containerPort: 80 }] });
  const patch = createThreeWayMergePatch(original, modified, live(original), DEPLOY) as any;
  assert.deepEqual(patch.metadata, { labels: { tier: null } });
  const containers = patch.spec.template.spec.containers;
  assert.deepEqual(containers, [{ name: 'web', ports: [{ containerPort: 443, $patch: 'delete' }], '$setElementOrder/ports': [{ containerPort: 80 }] }]);
  assert.deepEqual(patch.spec.template.spec['$setElementOrder/containers'], [{ name: 'web' }]);
});

test('without an original nothing is deleted, and a field another writer removed is restored', () => {
  const m = manifest({ env: [{ name: 'A', value: '1' }] });
  const current = live(m);
  current.spec.template.spec.containers[0].env = [];
  delete current.spec.replicas;
  const patch = createThreeWayMergePatch(undefined, m, current, DEPLOY);
  const out = applyStrategicMergePatch(current, patch, DEPLOY) as any;
  assert.equal(out.spec.replicas, 3);
  assert.deepEqual(out.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  assert.deepEqual(out.metadata.labels, { app: 'web', team: 'ops' });
});

test('a string set drops values removed from the manifest via $deleteFromPrimitiveList', () => {
  const original = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['a', 'b'] } };
  const modified = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['a', 'c'] } };
  const current = { ...original, metadata: { ...original.metadata, finalizers: ['a', 'b', 'x'] } };
  const patch = createThreeWayMergePatch(original, modified, current, 'v1/Pod') as any;
  assert.deepEqual(patch.metadata['$deleteFromPrimitiveList/finalizers'], ['b']);
  const out = applyStrategicMergePatch(current, patch, 'v1/Pod') as any;
  assert.deepEqual(out.metadata.finalizers.slice().sort(), ['a', 'c', 'x']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';
import { PatchError } from './patch-error.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', finalizers: ['x'] },
  spec: {
    containers: [
      { name: 'a', image: '1' },
      { name: 'b', image: '1' },
    ],
  },
};
const containers = (list: unknown[], extra: Record<string, unknown> = {}) => ({ spec: { ...extra, containers: list } });

const failures: Array<{ name: string; patch: unknown; kind: 'invalid' | 'conflict' | 'unsupported'; message: RegExp }> = [
  { name: 'a patch that is not an object', patch: [{ op: 'add' }], kind: 'invalid', message: /must be a JSON object, got an array/ },
  { name: 'an unknown $patch in a map', patch: { metadata: { $patch: 'frob' } }, kind: 'invalid', message: /^metadata: unknown \$patch directive "frob"/ },
  {
    name: 'an unknown $patch in a list element',
    patch: containers([{ name: 'a', $patch: 'frob' }]),
    kind: 'invalid',
    message: /spec\.containers: unknown \$patch/,
  },
  { name: '$patch: merge in a list element', patch: containers([{ $patch: 'merge' }]), kind: 'unsupported', message: /merging lists cannot yet be specified/ },
  { name: 'a list element without its merge key', patch: containers([{ image: '2' }]), kind: 'invalid', message: /does not contain declared merge key: name/ },
  { name: '$patch: delete without the merge key', patch: containers([{ $patch: 'delete' }]), kind: 'invalid', message: /merge key: name/ },
  {
    name: 'a keyed list element that is not an object',
    patch: containers(['a']),
    kind: 'invalid',
    message: /spec\.containers\[0\]: expected an object with merge key "name"/,
  },
  { name: '$retainKeys that is not a list of names', patch: { spec: { $retainKeys: 'containers' } }, kind: 'invalid', message: /\$retainKeys must be a list/ },
  {
    name: 'a field set but missing from $retainKeys',
    patch: { spec: { $retainKeys: ['containers'], hostname: 'h' } },
    kind: 'invalid',
    message: /"hostname" is set by the patch but missing from \$retainKeys/,
  },
  {
    name: '$setElementOrder that is not a list',
    patch: containers([], { '$setElementOrder/containers': { name: 'a' } }),
    kind: 'invalid',
    message: /\$setElementOrder\/containers must be a list/,
  },
  {
    name: '$setElementOrder entries without the merge key',
    patch: containers([], { '$setElementOrder/containers': [{ image: 'a' }] }),
    kind: 'invalid',
    message: /must name the merge key "name"/,
  },
  {
    name: '$setElementOrder that omits a patched element',
    patch: containers([{ name: 'c', image: '1' }], { '$setElementOrder/containers': [{ name: 'a' }] }),
    kind: 'conflict',
    message: /doesn't match the \$setElementOrder list/,
  },
  {
    name: '$setElementOrder that contradicts the patch order',
    patch: containers(
      [
        { name: 'b', image: '2' },
        { name: 'a', image: '2' },
      ],
      { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }] },
    ),
    kind: 'conflict',
    message: /doesn't match/,
  },
  {
    name: '$deleteFromPrimitiveList that is not a list',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } },
    kind: 'invalid',
    message: /must be a list/,
  },
  { name: 'a list of lists in a merging primitive list', patch: { metadata: { finalizers: [['x']] } }, kind: 'conflict', message: /lists of lists/ },
];

for (const c of failures) {
  test(`applyStrategicMergePatch rejects ${c.name}`, () => {
    const doc = structuredClone(pod);
    assert.throws(
      () => applyStrategicMergePatch(doc, c.patch, 'v1/Pod'),
      (err: unknown) => {
        assert.ok(err instanceof PatchError, String(err));
        assert.equal(err.kind, c.kind);
        assert.match(err.message, c.message);
        return true;
      },
    );
    assert.deepEqual(doc, pod, 'a failed patch leaves the document unchanged');
  });
}

// The worked examples of orderList's comment, and the order kubectl edit relies on.
const orders: Array<{ name: string; live: string[]; patch: string[]; order: string[]; want: string[] }> = [
  { name: 'a server-only element before a named one stays before it', live: ['a', 'x', 'b'], patch: [], order: ['b', 'a'], want: ['x', 'b', 'a'] },
  { name: 'a server-only element after all named ones stays last', live: ['a', 'b', 'x'], patch: [], order: ['b', 'a'], want: ['b', 'a', 'x'] },
  { name: 'a server-only element first stays first', live: ['x', 'a', 'b'], patch: [], order: ['a', 'b'], want: ['x', 'a', 'b'] },
  { name: 'a new element goes where the order puts it', live: ['a', 'b'], patch: ['n'], order: ['a', 'n', 'b'], want: ['a', 'n', 'b'] },
  { name: 'a named element absent everywhere is ignored', live: ['a', 'b'], patch: [], order: ['ghost', 'b', 'a'], want: ['b', 'a'] },
];

for (const c of orders) {
  test(`$setElementOrder: ${c.name}`, () => {
    const toContainers = (names: string[]) => names.map((name) => ({ name, image: '1' }));
    const doc = { spec: { containers: toContainers(c.live) } };
    const patch = containers(toContainers(c.patch), { '$setElementOrder/containers': c.order.map((name) => ({ name })) });
    const out = applyStrategicMergePatch(doc, patch, 'v1/Pod') as typeof doc;
    assert.deepEqual(
      out.spec.containers.map((item) => item.name),
      c.want,
    );
  });

  test(`$setElementOrder on a primitive list: ${c.name}`, () => {
    const doc = { metadata: { finalizers: c.live } };
    const patch = { metadata: { finalizers: c.patch, '$setElementOrder/finalizers': c.order } };
    const out = applyStrategicMergePatch(doc, patch, 'v1/Pod') as typeof doc;
    assert.deepEqual(out.metadata.finalizers, c.want);
  });
}

test('$setElementOrder for a list neither side has creates nothing', () => {
  const out = applyStrategicMergePatch({ spec: {} }, { spec: { '$setElementOrder/containers': [{ name: 'a' }] } }, 'v1/Pod');
  assert.deepEqual(out, { spec: {} });
});

test('the result shares nothing with the patch or the document', () => {
  const doc = structuredClone(pod);
  const patch = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: '1', env: [{ name: 'E', value: 'v' }] }] } };
  const out = applyStrategicMergePatch(doc, patch, 'v1/Pod') as any;
  out.metadata.labels.a = 'changed';
  out.spec.containers[2].env[0].value = 'changed';
  out.spec.containers[0].image = 'changed';
  assert.equal(patch.metadata.labels.a, 'b');
  assert.equal(patch.spec.containers[0].env[0].value, 'v');
  assert.deepEqual(doc, pod);
});

// Expected results of Kubernetes' own strategic-merge-patch fixtures (apimachinery
// strategicpatch patch_test.go: "set elements order in a list with server-only items" 1–3,
// "…not present in the list to be merged", "…merging list with duplicate").
const kubernetesFixtures: Array<{ name: string; current: object[]; patch: object[]; order: number[]; want: object[] }> = [
  {
    name: 'server-only items 1',
    current: [{ name: 1, other: 'a' }, { name: 3, value: 3 }, { name: 4, value: 4 }, { name: 2, value: 2 }, { name: 9 }],
    patch: [],
    order: [4, 2, 3, 1],
    want: [{ name: 4, value: 4 }, { name: 2, value: 2 }, { name: 3, value: 3 }, { name: 1, other: 'a' }, { name: 9 }],
  },
  {
    name: 'server-only items 2',
    current: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 9 }, { name: 3, value: 3 }, { name: 4, value: 4 }],
    patch: [],
    order: [2, 1, 4, 3],
    want: [{ name: 2, value: 2 }, { name: 1, other: 'a' }, { name: 9 }, { name: 4, value: 4 }, { name: 3, value: 3 }],
  },
  {
    name: 'server-only items 3',
    current: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 3, value: 3 }, { name: 4, value: 4 }],
    patch: [],
    order: [2, 1, 4, 3],
    want: [{ name: 2, value: 2 }, { name: 1, other: 'a' }, { name: 7 }, { name: 9 }, { name: 8 }, { name: 4, value: 4 }, { name: 3, value: 3 }],
  },
  {
    name: 'an ordered item present nowhere',
    current: [{ name: 1 }, { name: 3 }],
    patch: [
      { name: 3, value: 3 },
      { name: 1, value: 1 },
    ],
    order: [3, 2, 1],
    want: [
      { name: 3, value: 3 },
      { name: 1, value: 1 },
    ],
  },
  {
    name: 'duplicate merge keys',
    current: [{ name: 1 }, { name: 2, value: 'dup1' }, { name: 3 }, { name: 2, value: 'dup2' }, { name: 4 }],
    patch: [],
    order: [2, 1, 4, 3, 2],
    want: [{ name: 2, value: 'dup1' }, { name: 2, value: 'dup2' }, { name: 1 }, { name: 4 }, { name: 3 }],
  },
];

for (const c of kubernetesFixtures) {
  test(`$setElementOrder matches Kubernetes' fixture: ${c.name}`, () => {
    const out = applyStrategicMergePatch(
      { spec: { containers: c.current } },
      { spec: { containers: c.patch, '$setElementOrder/containers': c.order.map((name) => ({ name })) } },
      'v1/Pod',
    ) as { spec: { containers: object[] } };
    assert.deepEqual(out.spec.containers, c.want);
  });
}

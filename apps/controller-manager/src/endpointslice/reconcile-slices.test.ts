import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Pod, Service } from '@skiff/api';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, reconcileSlices, SERVICE_NAME_LABEL, type SlicePlan } from './reconcile-slices.ts';

const svc: Service = {
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
};

function makePod(i: number, opts: { ready?: boolean; terminating?: boolean; port?: number; ip?: string } = {}): Pod {
  return {
    metadata: {
      name: `p${i}`,
      namespace: 'ns',
      uid: `uid-${i}`,
      labels: { app: 'web' },
      ...(opts.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }] },
    status: {
      phase: 'Running',
      podIP: opts.ip ?? `10.0.${Math.floor(i / 256)}.${i % 256}`,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** Applies a plan the way the server would, so a second reconcile sees the result. */
function applyPlan(existing: EndpointSlice[], plan: SlicePlan): EndpointSlice[] {
  let counter = existing.length;
  const deleted = new Set(plan.delete.map((s) => s.metadata?.name));
  const updated = new Map(plan.update.map((s) => [s.metadata?.name, s]));
  const out = existing.filter((s) => !deleted.has(s.metadata?.name)).map((s) => updated.get(s.metadata?.name) ?? s);
  for (const s of plan.create) out.push({ ...s, metadata: { ...s.metadata, name: `web-${counter++}`, uid: `slice-${counter}` } });
  return JSON.parse(JSON.stringify(out));
}

function counts(plan: SlicePlan): [number, number, number] {
  return [plan.create.length, plan.update.length, plan.delete.length];
}

test('new service with 250 pods: three slices of at most 100, labelled and owned', () => {
  const plan = reconcileSlices(
    svc,
    range(250).map((i) => makePod(i)),
    [],
  );
  assert.deepEqual(counts(plan), [3, 0, 0]);
  assert.deepEqual(
    plan.create.map((s) => s.endpoints.length),
    [100, 100, 50],
  );
  const slice = plan.create[0];
  assert.equal(slice.metadata?.generateName, 'web-');
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(slice.metadata?.labels, { app: 'web', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME });
  assert.equal(slice.metadata?.ownerReferences?.[0].uid, 'svc-uid');
  assert.equal(slice.metadata?.ownerReferences?.[0].controller, true);
  assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(slice.endpoints[0], {
    addresses: ['10.0.0.0'],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: 'Pod', namespace: 'ns', name: 'p0', uid: 'uid-0' },
    nodeName: 'n1',
  });
});

test('an unchanged world needs no writes', () => {
  const pods = range(150).map((i) => makePod(i));
  const slices = applyPlan([], reconcileSlices(svc, pods, []));
  assert.deepEqual(counts(reconcileSlices(svc, pods, slices)), [0, 0, 0]);
});

const conditionCases = [
  { name: 'ready pod', pod: { ready: true }, want: { ready: true, serving: true, terminating: false } },
  { name: 'not-ready pod', pod: { ready: false }, want: { ready: false, serving: false, terminating: false } },
  { name: 'terminating ready pod', pod: { ready: true, terminating: true }, want: { ready: false, serving: true, terminating: true } },
  { name: 'terminating not-ready pod', pod: { ready: false, terminating: true }, want: { ready: false, serving: false, terminating: true } },
];
for (const c of conditionCases) {
  test(`endpoint conditions: ${c.name}`, () => {
    const plan = reconcileSlices(svc, [makePod(1, c.pod)], []);
    assert.deepEqual(plan.create[0].endpoints[0].conditions, c.want);
  });
}

test('a pod turning ready updates only the slice holding it', () => {
  const pods = range(150).map((i) => makePod(i, { ready: i !== 120 }));
  const slices = applyPlan([], reconcileSlices(svc, pods, []));
  pods[120] = makePod(120);
  const plan = reconcileSlices(svc, pods, slices);
  assert.deepEqual(counts(plan), [0, 1, 0]);
  assert.equal(plan.update[0].metadata?.name, slices.find((s) => s.endpoints.some((e) => e.targetRef?.name === 'p120'))!.metadata?.name);
  assert.equal(plan.update[0].endpoints.find((e) => e.targetRef?.name === 'p120')?.conditions?.ready, true);
});

test('removed pods shrink slices; a slice left empty is deleted', () => {
  const pods = range(150).map((i) => makePod(i));
  const slices = applyPlan([], reconcileSlices(svc, pods, []));
  const plan = reconcileSlices(svc, pods.slice(0, 90), slices);
  assert.deepEqual(counts(plan), [0, 1, 1]);
  assert.equal(plan.update[0].endpoints.length, 90);
});

test('new pods fill a slice with room instead of creating one', () => {
  const slices = applyPlan(
    [],
    reconcileSlices(
      svc,
      range(120).map((i) => makePod(i)),
      [],
    ),
  );
  const plan = reconcileSlices(
    svc,
    range(130).map((i) => makePod(i)),
    slices,
  );
  assert.deepEqual(counts(plan), [0, 1, 0]);
  assert.equal(plan.update[0].endpoints.length, 30);
});

test('a slice whose pods were all replaced is reused in place', () => {
  const slices = applyPlan(
    [],
    reconcileSlices(
      svc,
      range(3).map((i) => makePod(i)),
      [],
    ),
  );
  const plan = reconcileSlices(
    svc,
    range(3, 10).map((i) => makePod(i)),
    slices,
  );
  assert.deepEqual(counts(plan), [0, 1, 0]);
  assert.deepEqual(
    plan.update[0].endpoints.map((e) => e.targetRef?.name),
    ['p10', 'p11', 'p12'],
  );
});

test('pods resolving a named port differently land in separate slices', () => {
  const plan = reconcileSlices(svc, [makePod(1, { port: 8080 }), makePod(2, { port: 9090 }), makePod(3, { port: 8080 })], []);
  assert.deepEqual(counts(plan), [2, 0, 0]);
  assert.deepEqual(
    plan.create.map((s) => [s.ports?.[0].port, s.endpoints.length]),
    [
      [8080, 2],
      [9090, 1],
    ],
  );
});

test('changed service labels rewrite every slice', () => {
  const slices = applyPlan([], reconcileSlices(svc, [makePod(1)], []));
  const relabelled: Service = { ...svc, metadata: { ...svc.metadata, labels: { app: 'web', team: 'a' } } };
  const plan = reconcileSlices(relabelled, [makePod(1)], slices);
  assert.deepEqual(counts(plan), [0, 1, 0]);
  assert.equal(plan.update[0].metadata?.labels?.team, 'a');
});

test('no endpoints: one empty placeholder slice, kept until endpoints appear', () => {
  const first = reconcileSlices(svc, [], []);
  assert.deepEqual(counts(first), [1, 0, 0]);
  assert.deepEqual([first.create[0].endpoints, first.create[0].ports], [[], []]);
  const slices = applyPlan([], first);
  assert.deepEqual(counts(reconcileSlices(svc, [], slices)), [0, 0, 0]);
  const withPods = reconcileSlices(svc, [makePod(1)], slices);
  assert.deepEqual(counts(withPods), [1, 0, 1]);
  // The last pod going away deletes its slice and brings the placeholder back.
  const after = applyPlan(slices, withPods);
  assert.deepEqual(counts(reconcileSlices(svc, [], after)), [1, 0, 1]);
});

test('pods without an IPv4 address or finished are left out', () => {
  const finished = makePod(2);
  finished.status!.phase = 'Failed';
  const plan = reconcileSlices(svc, [makePod(1, { ip: 'fd00::1' }), finished, makePod(3)], []);
  assert.deepEqual(
    plan.create.flatMap((s) => s.endpoints.map((e) => e.targetRef?.name)),
    ['p3'],
  );
});

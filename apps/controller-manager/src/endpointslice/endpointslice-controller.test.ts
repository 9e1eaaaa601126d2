import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Pod, Service } from '@skiff/api';
import { EndpointSliceController, serviceKeyOfSlice } from './endpointslice-controller.ts';
import { SliceTracker, TRACKER_TTL_MS } from './slice-tracker.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './reconcile-slices.ts';
import { cacheOf, RecordingClient } from '../endpoints/recording-client.ts';

const svc: Service = {
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', resourceVersion: '1' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

function makePod(i: number): Pod {
  return {
    metadata: { name: `p${i}`, namespace: 'ns', uid: `uid-${i}`, labels: { app: 'web' }, resourceVersion: '1' },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
    status: { phase: 'Running', podIP: `10.0.0.${i}`, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function fixture(opts: { services?: Service[]; pods?: Pod[]; slices?: EndpointSlice[]; tracker?: SliceTracker }) {
  const client = new RecordingClient();
  const slices = cacheOf(opts.slices ?? []);
  const controller = new EndpointSliceController({
    client,
    services: cacheOf(opts.services ?? []),
    pods: cacheOf(opts.pods ?? []),
    slices,
    tracker: opts.tracker,
  });
  return { client, controller, slices };
}

test('sync creates the slices of a new service', async () => {
  const { client, controller } = fixture({ services: [svc], pods: [makePod(1), makePod(2)] });
  assert.equal(await controller.sync('ns/web'), undefined);
  assert.deepEqual(
    client.actions.map((a) => [a.verb, a.resource]),
    [['create', 'endpointslices']],
  );
  const slice = client.actions[0].object as EndpointSlice;
  assert.deepEqual(
    slice.endpoints.map((e) => e.addresses[0]),
    ['10.0.0.1', '10.0.0.2'],
  );
});

test('a sync before the cache shows our own create waits instead of creating twice', async () => {
  const tracker = new SliceTracker();
  const first = fixture({ services: [svc], pods: [makePod(1)], tracker });
  await first.controller.sync('ns/web');
  const created = first.client.actions[0];
  // Same (stale) cache, another pod arrived: a naive reconcile would create a second slice.
  const second = fixture({ services: [svc], pods: [makePod(1), makePod(2)], tracker });
  assert.deepEqual(await second.controller.sync('ns/web'), { requeueAfter: 250 });
  assert.deepEqual(second.client.actions, []);
  // Once the watch delivered the created slice, the sync goes on and updates it.
  const stored = {
    ...(created.object as EndpointSlice),
    metadata: { ...created.object!.metadata, name: created.name, uid: 'slice-uid', resourceVersion: '101' },
  };
  const third = fixture({ services: [svc], pods: [makePod(1), makePod(2)], slices: [stored], tracker });
  assert.equal(await third.controller.sync('ns/web'), undefined);
  assert.deepEqual(
    third.client.actions.map((a) => [a.verb, a.name]),
    [['update', created.name]],
  );
});

test('tracker expectations expire after the TTL', () => {
  let now = 0;
  const tracker = new SliceTracker(() => now);
  tracker.written('ns/web', { metadata: { name: 'web-1', resourceVersion: '7' }, addressType: 'IPv4', endpoints: [] });
  assert.ok(tracker.isStale('ns/web', []));
  assert.ok(tracker.isStale('ns/web', [{ metadata: { name: 'web-1', resourceVersion: '6' }, addressType: 'IPv4', endpoints: [] }]));
  now = TRACKER_TTL_MS + 1;
  assert.ok(!tracker.isStale('ns/web', []));
});

test('a deletion is awaited until the slice leaves the cache', () => {
  const tracker = new SliceTracker();
  const slice: EndpointSlice = { metadata: { name: 'web-1', uid: 'u1', resourceVersion: '7' }, addressType: 'IPv4', endpoints: [] };
  tracker.deleted('ns/web', slice);
  assert.ok(tracker.isStale('ns/web', [slice]));
  assert.ok(!tracker.isStale('ns/web', []));
});

test('services without a selector, or gone, get no slices', async () => {
  const manual: Service = { ...svc, metadata: { ...svc.metadata, name: 'manual' }, spec: { ports: svc.spec!.ports } };
  const { client, controller } = fixture({ services: [manual], pods: [makePod(1)] });
  await controller.sync('ns/manual');
  await controller.sync('ns/gone');
  assert.deepEqual(client.actions, []);
});

test('surplus slices are deleted with a uid precondition, NotFound tolerated', async () => {
  const labels = { [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME };
  const owner = [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }];
  const stale: EndpointSlice = {
    metadata: { name: 'web-old', namespace: 'ns', uid: 'old', resourceVersion: '3', labels, ownerReferences: owner },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 9999, protocol: 'TCP' }],
    endpoints: [
      {
        addresses: ['10.0.0.1'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-1' },
      },
    ],
  };
  const { client, controller } = fixture({ services: [svc], pods: [makePod(1)], slices: [stale] });
  client.failNext(500, 'InternalError');
  await assert.rejects(controller.sync('ns/web'), /endpointslices ns\/web: reconcile failed/);
  const retry = fixture({ services: [svc], pods: [makePod(1)], slices: [stale] });
  retry.client.failNext(404, 'NotFound', 'delete');
  await retry.controller.sync('ns/web');
  assert.deepEqual(
    retry.client.actions.map((a) => a.verb),
    ['create', 'delete'],
  );
  assert.deepEqual((retry.client.actions[0].object as EndpointSlice).ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(retry.client.actions[1].options, { preconditions: { uid: 'old' } });
});

test('slice events enqueue their service', () => {
  assert.equal(
    serviceKeyOfSlice({ metadata: { namespace: 'ns', name: 'web-abc', labels: { [SERVICE_NAME_LABEL]: 'web' } }, addressType: 'IPv4', endpoints: [] }),
    'ns/web',
  );
  assert.equal(serviceKeyOfSlice({ metadata: { namespace: 'ns', name: 'orphan' }, addressType: 'IPv4', endpoints: [] }), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from '@skiff/api';
import { EndpointsController } from './endpoints-controller.ts';
import { buildSubsets } from './subsets.ts';
import { podServiceEvents } from './pod-endpoint.ts';
import { cacheOf, RecordingClient } from './recording-client.ts';

function makeService(name: string, selector: Record<string, string> | undefined, labels?: Record<string, string>): Service {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', labels },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

function makePod(name: string, labels: Record<string, string>, ip: string | undefined, ready = true, rv = '1'): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels, resourceVersion: rv },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
    status: { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function fixture(opts: { services?: Service[]; pods?: Pod[]; endpoints?: Endpoints[] }) {
  const client = new RecordingClient();
  const events: string[] = [];
  const controller = new EndpointsController({
    client,
    services: cacheOf(opts.services ?? []),
    pods: cacheOf(opts.pods ?? []),
    endpoints: cacheOf(opts.endpoints ?? []),
    recorder: { event: (_obj, type, reason) => events.push(`${type} ${reason}`) },
  });
  return { client, controller, events };
}

test('sync creates Endpoints named after the service with its labels and subsets', async () => {
  const svc = makeService('web', { app: 'web' }, { tier: 'front' });
  const pods = [makePod('a', { app: 'web' }, '10.0.0.1'), makePod('b', { app: 'web' }, '10.0.0.2', false), makePod('x', { app: 'db' }, '10.0.0.9')];
  const { client, controller } = fixture({ services: [svc], pods });
  await controller.sync('ns/web');
  assert.equal(client.actions.length, 1);
  const [action] = client.actions;
  assert.equal(action.verb, 'create');
  assert.equal(action.resource, 'endpoints');
  const ep = action.object as Endpoints;
  assert.deepEqual(ep.metadata, { name: 'web', namespace: 'ns', labels: { tier: 'front' } });
  assert.deepEqual(
    ep.subsets?.[0].addresses?.map((a) => a.ip),
    ['10.0.0.1'],
  );
  assert.deepEqual(
    ep.subsets?.[0].notReadyAddresses?.map((a) => a.ip),
    ['10.0.0.2'],
  );
  assert.deepEqual(ep.subsets?.[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
});

test('sync writes nothing when the stored Endpoints already say the same', async () => {
  const svc = makeService('web', { app: 'web' });
  const pods = [makePod('a', { app: 'web' }, '10.0.0.1')];
  const stored: Endpoints = {
    metadata: { name: 'web', namespace: 'ns', resourceVersion: '5', labels: {} },
    subsets: JSON.parse(JSON.stringify(buildSubsets(svc, pods))),
  };
  const { client, controller } = fixture({ services: [svc], pods, endpoints: [stored] });
  await controller.sync('ns/web');
  assert.deepEqual(client.actions, []);
});

test('sync updates the stored Endpoints in place when a pod turned ready', async () => {
  const svc = makeService('web', { app: 'web' });
  const before = [makePod('a', { app: 'web' }, '10.0.0.1', false)];
  const stored: Endpoints = { metadata: { name: 'web', namespace: 'ns', resourceVersion: '5' }, subsets: buildSubsets(svc, before) };
  const { client, controller } = fixture({ services: [svc], pods: [makePod('a', { app: 'web' }, '10.0.0.1', true)], endpoints: [stored] });
  await controller.sync('ns/web');
  assert.equal(client.actions.length, 1);
  const ep = client.actions[0].object as Endpoints;
  assert.equal(client.actions[0].verb, 'update');
  assert.equal(ep.metadata?.resourceVersion, '5', 'the update is a compare-and-swap on what we read');
  assert.deepEqual(
    ep.subsets?.[0].addresses?.map((a) => a.ip),
    ['10.0.0.1'],
  );
  assert.equal(ep.subsets?.[0].notReadyAddresses, undefined);
});

test('a deleted service loses its Endpoints, except default/kubernetes', async () => {
  const { client, controller } = fixture({});
  await controller.sync('ns/gone');
  await controller.sync('default/kubernetes');
  assert.deepEqual(client.actions, [{ verb: 'delete', resource: 'endpoints', namespace: 'ns', name: 'gone' }]);
});

test('deleting Endpoints that are already gone is not an error', async () => {
  const { client, controller } = fixture({});
  client.failNext(404, 'NotFound');
  await controller.sync('ns/gone');
});

test('services without a selector are not ours', async () => {
  const { client, controller } = fixture({ services: [makeService('manual', undefined)], pods: [makePod('a', {}, '10.0.0.1')] });
  await controller.sync('ns/manual');
  assert.deepEqual(client.actions, []);
});

test('a failed write records a Warning event and throws for a retry', async () => {
  const { client, controller, events } = fixture({ services: [makeService('web', { app: 'web' })] });
  client.failNext(409, 'AlreadyExists');
  await assert.rejects(controller.sync('ns/web'), /endpoints ns\/web: create failed/);
  assert.deepEqual(events, ['Warning FailedToCreateEndpoint']);
});

test('pod events enqueue the services selecting the old and new labels', () => {
  const services = [
    makeService('web', { app: 'web' }),
    makeService('api', { app: 'api' }),
    makeService('all', { tier: 'x' }),
    makeService('manual', undefined),
  ];
  const events = podServiceEvents(cacheOf(services));
  const old = makePod('a', { app: 'web', tier: 'x' }, '10.0.0.1', true, '1');
  const relabelled = makePod('a', { app: 'api', tier: 'x' }, '10.0.0.1', true, '2');
  assert.deepEqual([...events.update!(old, relabelled)!].sort(), ['ns/all', 'ns/api', 'ns/web']);
  assert.deepEqual([...events.delete!(old)!].sort(), ['ns/all', 'ns/web']);
});

test('pod updates that change nothing an endpoint shows enqueue nothing', () => {
  const events = podServiceEvents(cacheOf([makeService('web', { app: 'web' })]));
  const pod = makePod('a', { app: 'web' }, '10.0.0.1', true, '1');
  assert.deepEqual(events.update!(pod, pod), []);
  const annotated = { ...makePod('a', { app: 'web' }, '10.0.0.1', true, '2') };
  annotated.metadata!.annotations = { note: 'x' };
  assert.deepEqual(events.update!(pod, annotated), []);
  assert.deepEqual(events.update!(pod, makePod('a', { app: 'web' }, '10.0.0.1', false, '3')), ['ns/web']);
});

test('more than 1000 pods: Endpoints truncated and annotated over-capacity', async () => {
  const pods = Array.from({ length: 1001 }, (_, i) => makePod(`p${i}`, { app: 'web' }, `10.0.${Math.floor(i / 250)}.${i % 250}`));
  const { client, controller } = fixture({ services: [makeService('web', { app: 'web' })], pods });
  await controller.sync('ns/web');
  const ep = client.actions[0].object as Endpoints;
  assert.equal(ep.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
  assert.equal(
    ep.subsets?.reduce((n, s) => n + (s.addresses?.length ?? 0), 0),
    1000,
  );
});

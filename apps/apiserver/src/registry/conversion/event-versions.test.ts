/**
 * One Event, two API versions, over HTTP against a real etcd member: whatever version wrote
 * it, core/v1 and events.k8s.io/v1 each read it (get, list, watch, Table) in their own
 * schema, and patches apply to the request's version before the object is stored.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startTestApiServer, type TestApiServer } from '../../http/testing/test-api-server.ts';

// Ports 25340-25342 (etcd) and 25350 (apiserver) belong to this file.
let api: TestApiServer;
before(async () => {
  api = await startTestApiServer({ etcdBase: 25340, api: 25350 });
});
after(async () => {
  await api?.stop();
});

const core = '/api/v1/namespaces/default/events';
const group = '/apis/events.k8s.io/v1/namespaces/default/events';
const json = { 'content-type': 'application/json' };
const table = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const pod = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web', uid: 'pod-uid' };

async function post(path: string, body: unknown): Promise<any> {
  const res = await api.request(path, { method: 'POST', body: JSON.stringify(body), headers: json });
  assert.equal(res.status, 201, res.text);
  return res.json();
}

async function get(path: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await api.request(path, { headers });
  assert.equal(res.status, 200, res.text);
  return res.json();
}

/** The events of a watch that ends on its own after `timeoutSeconds`; `during` runs while it is open. */
async function watchWhile(path: string, during: () => Promise<void>, headers: Record<string, string> = {}): Promise<any[]> {
  const stream = api.request(`${path}${path.includes('?') ? '&' : '?'}watch=true&timeoutSeconds=2`, { headers });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await during();
  const res = await stream;
  assert.equal(res.status, 200, res.text);
  return res.text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function groupEvent(name: string): Record<string, unknown> {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name },
    eventTime: '2024-05-01T10:00:00.000000Z',
    regarding: pod,
    reason: 'Pulled',
    note: 'Pulled image busybox',
    type: 'Normal',
    action: 'Pulling',
    reportingController: 'skiff.io/kubelet',
    reportingInstance: 'node-1',
    series: { count: 2, lastObservedTime: '2024-05-01T10:00:05.000000Z' },
  };
}

function coreEvent(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: pod,
    reason: 'Started',
    message: 'Started container web',
    type: 'Normal',
    source: { component: 'kubelet', host: 'node-1' },
    count: 3,
    firstTimestamp: '2024-05-01T10:00:00Z',
    lastTimestamp: '2024-05-01T10:00:09Z',
  };
}

/** What core/v1 shows of groupEvent(name). */
function assertCoreView(ev: any): void {
  assert.equal(ev.apiVersion, 'v1');
  assert.deepEqual(ev.involvedObject, pod);
  assert.equal(ev.message, 'Pulled image busybox');
  assert.equal(ev.reportingComponent, 'skiff.io/kubelet');
  assert.equal(ev.reportingInstance, 'node-1');
  assert.deepEqual(ev.source, {});
  assert.deepEqual(ev.series, { count: 2, lastObservedTime: '2024-05-01T10:00:05.000000Z' });
  assert.equal(ev.action, 'Pulling');
  for (const field of ['regarding', 'note', 'reportingController', 'deprecatedSource']) assert.equal(ev[field], undefined, field);
}

/** What events.k8s.io/v1 shows of coreEvent(name). */
function assertGroupView(ev: any): void {
  assert.equal(ev.apiVersion, 'events.k8s.io/v1');
  assert.deepEqual(ev.regarding, pod);
  assert.equal(ev.note, 'Started container web');
  assert.deepEqual(ev.deprecatedSource, { component: 'kubelet', host: 'node-1' });
  assert.equal(ev.deprecatedCount, 3);
  assert.equal(ev.deprecatedFirstTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(ev.deprecatedLastTimestamp, '2024-05-01T10:00:09Z');
  // core's reportingComponent '' is omitted, as events.k8s.io/v1 omits empty strings.
  assert.equal(ev.reportingController, undefined);
  for (const field of ['involvedObject', 'message', 'source', 'count', 'firstTimestamp', 'reportingComponent']) assert.equal(ev[field], undefined, field);
}

test('an Event created through events.k8s.io/v1 reads as core/v1: get, list, watch, Table', async () => {
  const created = await post(group, groupEvent('pulled'));
  assert.deepEqual(created.regarding, pod);
  assert.equal(created.note, 'Pulled image busybox');
  assert.equal(created.involvedObject, undefined);

  assertCoreView(await get(`${core}/pulled`));
  // One stored form: core/v1, Kubernetes' storage version for events.
  const etcd = new Etcd3({ hosts: 'http://127.0.0.1:25341' });
  try {
    const stored = JSON.parse((await etcd.get('/registry/events/default/pulled').string())!);
    assert.equal(stored.apiVersion, 'v1');
    assert.deepEqual(stored.involvedObject, pod);
    assert.equal(stored.regarding, undefined);
  } finally {
    etcd.close();
  }
  const listed = await get('/api/v1/events');
  assertCoreView(listed.items.find((e: any) => e.metadata.name === 'pulled'));
  const selected = await get(`${core}?fieldSelector=involvedObject.name=web,reportingComponent=skiff.io/kubelet`);
  assert.deepEqual(
    selected.items.map((e: any) => e.metadata.name),
    ['pulled'],
  );

  const events = await watchWhile(`${core}?resourceVersion=${created.metadata.resourceVersion}`, async () => {
    await api.request(`${group}/pulled`, {
      method: 'PATCH',
      body: JSON.stringify({ note: 'Pulled again' }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
  });
  assert.deepEqual(
    events.map((e) => e.type),
    ['MODIFIED'],
  );
  assert.equal(events[0].object.message, 'Pulled again');
  assert.deepEqual(events[0].object.involvedObject, pod);

  const rows = (await get(core, { accept: table })).rows;
  const row = rows.find((r: any) => r.object.metadata.name === 'pulled');
  assert.deepEqual(row.cells.slice(1, 5), ['Normal', 'Pulled', 'pod/web', 'Pulled again']);
});

test('an Event created through core/v1 reads as events.k8s.io/v1: get, list, watch, Table', async () => {
  const before = await get(group);
  const events = await watchWhile(`${group}?resourceVersion=${before.metadata.resourceVersion}`, async () => {
    await post(core, coreEvent('started'));
  });
  assert.deepEqual(
    events.map((e) => e.type),
    ['ADDED'],
  );
  assertGroupView(events[0].object);

  assertGroupView(await get(`${group}/started`));
  const listed = await get('/apis/events.k8s.io/v1/events');
  assertGroupView(listed.items.find((e: any) => e.metadata.name === 'started'));
  const selected = await get(`${group}?fieldSelector=regarding.name=web,source=kubelet`);
  assert.deepEqual(
    selected.items.map((e: any) => e.metadata.name),
    ['started'],
  );

  const printed = await get(`${group}/started`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(printed.rows[0].cells.slice(1, 6), ['Normal', 'Started', 'pod/web', 'Started container web', 'kubelet, node-1']);

  // The watch's Table rows print from the stored object too.
  const tableEvents = await watchWhile(
    `${group}?fieldSelector=metadata.name=started&resourceVersion=${before.metadata.resourceVersion}`,
    async () => undefined,
    { accept: table },
  );
  assert.equal(tableEvents[0].object.kind, 'Table');
  assert.equal(tableEvents[0].object.rows[0].cells[3], 'pod/web');
});

test('patches apply to the version the request names, then are stored as core/v1', async () => {
  await post(group, groupEvent('patched'));
  // A JSON patch addresses events.k8s.io/v1 paths: /note exists there, /message does not.
  const jsonPatch = await api.request(`${group}/patched`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json-patch+json' },
    body: JSON.stringify([
      { op: 'test', path: '/note', value: 'Pulled image busybox' },
      { op: 'replace', path: '/series/count', value: 4 },
    ]),
  });
  assert.equal(jsonPatch.status, 200, jsonPatch.text);
  assert.equal(jsonPatch.json().series.count, 4);
  assert.equal((await get(`${core}/patched`)).series.count, 4);
  const wrongVersion = await api.request(`${group}/patched`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json-patch+json' },
    body: JSON.stringify([{ op: 'test', path: '/message', value: 'Pulled image busybox' }]),
  });
  assert.equal(wrongVersion.status, 422, wrongVersion.text);

  const strategic = await api.request(`${core}/patched`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/strategic-merge-patch+json' },
    body: JSON.stringify({ message: 'restarted' }),
  });
  assert.equal(strategic.status, 200, strategic.text);
  assert.equal(strategic.json().message, 'restarted');
  assert.equal((await get(`${group}/patched`)).note, 'restarted');

  // PUT in events.k8s.io/v1 of what was read there: resourceVersion checks still hold.
  const current = await get(`${group}/patched`);
  const put = await api.request(`${group}/patched`, { method: 'PUT', body: JSON.stringify({ ...current, note: 'replaced' }), headers: json });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json().note, 'replaced');
  const stale = await api.request(`${group}/patched`, { method: 'PUT', body: JSON.stringify({ ...current, note: 'stale' }), headers: json });
  assert.equal(stale.status, 409, stale.text);
  assert.equal((await get(`${core}/patched`)).message, 'replaced');

  // Re-sending what was read changes nothing, in either version: no write, same resourceVersion.
  const unchanged = await api.request(`${group}/patched`, { method: 'PUT', body: JSON.stringify(put.json()), headers: json });
  assert.equal(unchanged.json().metadata.resourceVersion, put.json().metadata.resourceVersion);
});

test("each version's validation still applies to what it was sent", async () => {
  const { reportingController: _missing, ...body } = groupEvent('invalid');
  const res = await api.request(group, { method: 'POST', body: JSON.stringify(body), headers: json });
  assert.equal(res.status, 422, res.text);
  assert.deepEqual(
    res.json().details.causes.map((c: any) => c.field),
    ['reportingController'],
  );
});

test('deleting through either version removes the one stored object', async () => {
  await post(group, groupEvent('gone'));
  const deleted = await api.request(`${core}/gone`, { method: 'DELETE' });
  assert.equal(deleted.status, 200, deleted.text);
  assert.equal((await api.request(`${group}/gone`)).status, 404);
});

/**
 * Warnings of writes travel as HTTP Warning headers in kube-apiserver's format, and the
 * JSON patch limits answer over HTTP in well under a second. Ports 25310-25312 (etcd)
 * and 25320 (apiserver) belong to this file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startTestApiServer, type TestApiServer } from './testing/test-api-server.ts';
import { addWarningHeaders } from './respond.ts';

let api: TestApiServer;
before(async () => {
  api = await startTestApiServer({ etcdBase: 25310, api: 25320 });
});
after(async () => {
  await api?.stop();
});

const CM = '/api/v1/namespaces/default/configmaps';

test('a create with an unknown field and no fieldValidation: 201, field dropped, Warning header as kube writes it', async () => {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned', resourceversion: '1' }, spec: { foo: 1 } });
  const res = await api.request(CM, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.headers.warning, '299 - "unknown field \\"metadata.resourceversion\\"", 299 - "unknown field \\"spec\\""');
  assert.equal(res.json().spec, undefined);

  const strict = await api.request(`${CM}?fieldValidation=Strict`, {
    method: 'POST',
    body: body.replace('warned', 'strict'),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(strict.status, 400);
  assert.equal(strict.headers.warning, undefined);

  const patched = await api.request(`${CM}/warned`, {
    method: 'PATCH',
    body: JSON.stringify({ spec: { foo: 2 } }),
    headers: { 'content-type': 'application/merge-patch+json' },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.headers.warning, '299 - "unknown field \\"spec\\""');
});

test('JSON patches past the limits are refused quickly, the object unchanged', async () => {
  const created = await api.request(CM, {
    method: 'POST',
    body: JSON.stringify({ metadata: { name: 'limits' } }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(created.status, 201, created.text);
  const started = performance.now();
  const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata/name', value: 'limits' }));
  const many = await api.request(`${CM}/limits`, { method: 'PATCH', body: JSON.stringify(ops), headers: { 'content-type': 'application/json-patch+json' } });
  assert.equal(many.status, 413, many.text);
  assert.equal(many.json().message, 'The allowed maximum operations in a JSON patch is 10000, got 10001');
  const copies = [
    { op: 'add', path: '/metadata/annotations', value: {} },
    ...Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/metadata', path: `/metadata/annotations/c${i}` })),
  ];
  const bomb = await api.request(`${CM}/limits`, { method: 'PATCH', body: JSON.stringify(copies), headers: { 'content-type': 'application/json-patch+json' } });
  assert.equal(bomb.status, 422, bomb.text);
  assert.ok(performance.now() - started < 2000, 'both refused well under a second each');
  const stored = (await api.request(`${CM}/limits`)).json();
  assert.equal(stored.metadata.resourceVersion, created.json().metadata.resourceVersion);
});

test('addWarningHeaders: escapes, dedupes, drops control characters, keeps to a 4096-character budget', () => {
  const headers = new Map<string, unknown>();
  const res = { setHeader: (name: string, value: unknown) => headers.set(name, value) } as unknown as ServerResponse;
  addWarningHeaders(res, ['a "quoted" \\ path', 'a "quoted" \\ path', 'bad\nline', 'ünïcode']);
  assert.deepEqual(headers.get('Warning'), ['299 - "a \\"quoted\\" \\\\ path"', Buffer.from('299 - "ünïcode"').toString('latin1')]);
  addWarningHeaders(
    res,
    Array.from({ length: 1000 }, (_, i) => `unknown field "spec.f${i}${'x'.repeat(300)}"`),
  );
  const many = headers.get('Warning') as string[];
  assert.ok(many.length > 0 && many.length <= 16, `${many.length} headers`);
  assert.ok(many.every((h) => h.length <= 256 + 12));
});

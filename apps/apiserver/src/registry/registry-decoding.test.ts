/**
 * How writes decode what clients send, on a real etcd member: unknown fields by
 * fieldValidation (the same for create, update and every patch type), explicit nulls,
 * and JSON patches past Kubernetes' limits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PatchType, WriteOptions } from './handlers.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

// Ports 25300-25302 (etcd) belong to this file.
let fx: RegistryFixture;
const configmaps = resource('', 'configmaps');
const services = resource('', 'services');

before(async () => {
  fx = await startRegistryFixture(25300);
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

/** A ConfigMap body whose metadata carries a misspelt field, as in the report. */
function misspelt(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, resourceversion: '1' }, data: { a: 'b' }, spec: { foo: 1 } };
}

const expectedWarnings = ['unknown field "metadata.resourceversion"', 'unknown field "spec"'];

/** Every way one body reaches the store: create, PUT, and each patch type onto an existing object. */
const writes: Array<{ verb: string; write: (name: string, opts: WriteOptions) => ReturnType<typeof fx.registry.create> }> = [
  { verb: 'create', write: (name, opts) => fx.registry.create(configmaps, 'default', misspelt(name), opts) },
  {
    verb: 'update',
    write: async (name, opts) => {
      await fx.registry.create(configmaps, 'default', { metadata: { name } }, admin);
      return fx.registry.update(configmaps, 'default', name, misspelt(name), opts);
    },
  },
  ...(['merge', 'strategic', 'apply', 'json'] as PatchType[]).map((type) => ({
    verb: `${type} patch`,
    write: async (name: string, opts: WriteOptions) => {
      await fx.registry.create(configmaps, 'default', { metadata: { name } }, admin);
      const patch =
        type === 'json'
          ? [
              { op: 'add', path: '/metadata/resourceversion', value: '1' },
              { op: 'add', path: '/data', value: { a: 'b' } },
              { op: 'add', path: '/spec', value: { foo: 1 } },
            ]
          : misspelt(name);
      return fx.registry.patch(configmaps, 'default', name, type, patch, { ...opts, fieldManager: 'test' });
    },
  })),
];

for (const { verb, write } of writes) {
  const slug = verb.replace(' ', '-');
  test(`fieldValidation on ${verb}: Warn by default (dropped, warned), Ignore silent, Strict refused`, async () => {
    const warned = await write(`fv-warn-${slug}`, admin);
    assert.deepEqual(warned.warnings, expectedWarnings);
    assert.equal(warned.object.spec, undefined);
    assert.equal((warned.object.metadata as Record<string, unknown>).resourceversion, undefined);
    assert.deepEqual(warned.object.data, { a: 'b' });

    const ignored = await write(`fv-ignore-${slug}`, { ...admin, fieldValidation: 'Ignore' });
    assert.deepEqual(ignored.warnings ?? [], []);
    assert.equal(ignored.object.spec, undefined);

    const err = await apiErrorOf(write(`fv-strict-${slug}`, { ...admin, fieldValidation: 'Strict' }));
    const isPatch = verb.endsWith('patch');
    assert.equal(err.code, isPatch ? 422 : 400, err.message);
    assert.match(err.message, /strict decoding error: unknown field "metadata.resourceversion", unknown field "spec"/);
    const stored = await fx.registry.get(configmaps, 'default', `fv-strict-${slug}`).catch(() => undefined);
    assert.equal(stored?.data, undefined, 'nothing of the refused write is stored');
  });
}

test('explicit nulls are absent fields: a ClusterIP Service with nodePort: null, on create, update and patches', async () => {
  const longhorn = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'longhorn-frontend', labels: { app: 'ui' }, annotations: null },
    spec: { type: 'ClusterIP', selector: { app: 'ui' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: null }] },
  };
  const { object } = await fx.registry.create(services, 'default', longhorn, { ...admin, fieldValidation: 'Strict' });
  const ports = (object.spec as { ports: Record<string, unknown>[] }).ports;
  assert.equal('nodePort' in ports[0]!, false);
  assert.equal('annotations' in object.metadata, false);

  const { object: replaced } = await fx.registry.update(
    services,
    'default',
    'longhorn-frontend',
    { ...structuredClone(object), spec: { ...(object.spec as object), ports: [{ port: 81, nodePort: null }] } },
    admin,
  );
  assert.deepEqual((replaced.spec as { ports: unknown[] }).ports, [{ port: 81, protocol: 'TCP', targetPort: 81 }]);

  // A null a JSON patch writes into the object is absent in the result too.
  const { object: patched } = await fx.registry.patch(
    services,
    'default',
    'longhorn-frontend',
    'json',
    [{ op: 'add', path: '/spec/ports/0/nodePort', value: null }],
    admin,
  );
  assert.equal('nodePort' in (patched.spec as { ports: Record<string, unknown>[] }).ports[0]!, false);
  // In a merge patch a null still deletes the key it names.
  const { object: merged } = await fx.registry.patch(services, 'default', 'longhorn-frontend', 'merge', { metadata: { labels: { app: null } } }, admin);
  assert.deepEqual(merged.metadata.labels ?? {}, {});
});

test('JSON patch limits: more than 10,000 operations is 413, a copy bomb is 422; nothing is stored', async () => {
  const { object } = await fx.registry.create(configmaps, 'default', { metadata: { name: 'patch-limits' }, data: { a: 'b' } }, admin);
  const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ op: 'add', path: `/data/k${i}`, value: 'v' }));
  const manyErr = await apiErrorOf(fx.registry.patch(configmaps, 'default', 'patch-limits', 'json', tooMany, admin));
  assert.equal(manyErr.code, 413);
  assert.equal(manyErr.reason, 'RequestEntityTooLarge');
  assert.equal(manyErr.message, 'The allowed maximum operations in a JSON patch is 10000, got 10001');

  const started = performance.now();
  const copies = Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/metadata', path: `/metadata/annotations/c${i}` }));
  const copyErr = await apiErrorOf(
    fx.registry.patch(configmaps, 'default', 'patch-limits', 'json', [{ op: 'add', path: '/metadata/annotations', value: {} }, ...copies], admin),
  );
  assert.equal(copyErr.code, 422);
  assert.match(JSON.stringify(copyErr.toStatus()), /accumulated size increase of copy is \d+, exceeding the limit 3145728/);
  assert.ok(performance.now() - started < 1000, 'refused well under a second');

  const stored = await fx.registry.get(configmaps, 'default', 'patch-limits');
  assert.equal(stored.metadata.resourceVersion, object.metadata.resourceVersion);
});

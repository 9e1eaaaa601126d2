/** DefaultStorageClass and Skiff's pre-bound capacity check, through the registry on a real etcd (ports 29760-29762). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from '../testing/registry-fixture.ts';
import { stopClaimAdmission } from './persistentvolumeclaim.ts';

let fx: RegistryFixture;
const claims = resource('', 'persistentvolumeclaims');
const volumes = resource('', 'persistentvolumes');
const classes = resource('storage.k8s.io', 'storageclasses');
const configmaps = resource('', 'configmaps');

before(async () => {
  fx = await startRegistryFixture(29760);
  await fx.registry.bootstrap();
});
after(async () => {
  stopClaimAdmission();
  await fx?.close();
});

const claim = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

test('bootstrap creates the default local-path class once and records it', async () => {
  const sc = (await fx.registry.get(classes, undefined, 'local-path')) as KubeObject;
  assert.equal(sc.provisioner, 'skiff.dev/local-path');
  assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  const record = (await fx.registry.get(configmaps, 'kube-system', 'skiff-bootstrap')) as KubeObject;
  assert.equal((record.data as Record<string, string>)['storageclass.local-path'], 'created');
});

test('a claim without storageClassName gets the default class; "" is kept; a named class is kept', async () => {
  const created = await fx.registry.create(claims, 'default', claim('no-class'), admin);
  assert.equal((created.object.spec as { storageClassName?: string }).storageClassName, 'local-path');
  const none = await fx.registry.create(claims, 'default', claim('empty-class', { storageClassName: '' }), admin);
  assert.equal((none.object.spec as { storageClassName?: string }).storageClassName, '');
  const named = await fx.registry.create(claims, 'default', claim('named', { storageClassName: 'fast' }), admin);
  assert.equal((named.object.spec as { storageClassName?: string }).storageClassName, 'fast');
});

test('a deleted default class is not recreated by the next bootstrap, and then claims get no class', async () => {
  await fx.registry.delete(classes, undefined, 'local-path', {}, admin.user);
  await fx.registry.bootstrap();
  await apiErrorOf(fx.registry.get(classes, undefined, 'local-path'));
  const created = await eventually(async () => {
    const c = await fx.registry.create(claims, 'default', claim(`after-delete-${Date.now()}`), admin);
    assert.equal((c.object.spec as { storageClassName?: string }).storageClassName, undefined);
    return c;
  });
  assert.ok(created);
});

test('Skiff refuses a claim pre-bound to a smaller volume with 422 and stores nothing', async () => {
  await fx.registry.create(
    volumes,
    undefined,
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'tiny' },
      spec: { capacity: { storage: '100Mi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/tiny' } },
    },
    admin,
  );
  // The check reads a watch-fed cache: a claim written in the same instant as the volume may pass.
  let attempt = 0;
  const err = await eventually(async () => {
    const name = `too-big-${++attempt}`;
    const e = await apiErrorOf(fx.registry.create(claims, 'default', claim(name, { volumeName: 'tiny', storageClassName: '' }), admin)).catch(
      async (cause: unknown) => {
        await fx.registry.delete(claims, 'default', name, {}, admin.user);
        throw cause;
      },
    );
    return { e, name };
  });
  assert.equal(err.e.code, 422);
  assert.match(err.e.message, /spec\.resources\.requests\.storage: Invalid value: "1Gi": exceeds the capacity 100Mi of persistentvolume "tiny"/);
  const gone = await apiErrorOf(fx.registry.get(claims, 'default', err.name));
  assert.equal(gone.code, 404);
  const fits = await fx.registry.create(
    claims,
    'default',
    claim('fits', { volumeName: 'tiny', storageClassName: '', resources: { requests: { storage: '100Mi' } } }),
    admin,
  );
  assert.equal((fits.object.spec as { volumeName?: string }).volumeName, 'tiny');
});

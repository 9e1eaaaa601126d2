/** DefaultTolerationSeconds admission through the registry's create path, on a real etcd member. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@skiff/log';
import type { KubeObject } from '../storage/store.ts';
import { createRegistry } from './registry.ts';
import { admin, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const pods = resource('', 'pods');
const configmaps = resource('', 'configmaps');

before(async () => {
  fx = await startRegistryFixture(24510);
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

function podBody(name: string, tolerations?: object[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) },
  };
}

function tolerationsOf(obj: KubeObject): unknown {
  return (obj.spec as { tolerations?: unknown }).tolerations;
}

test('created pods get the default NoExecute tolerations (300 s)', async () => {
  const { object } = await fx.registry.create(pods, 'default', podBody('tol-default'), admin);
  assert.deepEqual(tolerationsOf(object), [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const stored = await fx.registry.get(pods, 'default', 'tol-default');
  assert.deepEqual(tolerationsOf(stored), tolerationsOf(object));
});

test("configured seconds apply and a pod's own toleration wins", async () => {
  const registry = createRegistry({
    store: fx.store,
    logger: createLogger('t', 'silent'),
    defaultNotReadyTolerationSeconds: 7,
    defaultUnreachableTolerationSeconds: 9,
  });
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 };
  const { object } = await registry.create(pods, 'default', podBody('tol-own', [own]), admin);
  registry.close();
  assert.deepEqual(tolerationsOf(object), [own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 }]);
});

test('other kinds are untouched', async () => {
  const { object } = await fx.registry.create(
    configmaps,
    'default',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tol-cm' }, data: { a: 'b' } },
    admin,
  );
  assert.equal(object.spec, undefined);
});

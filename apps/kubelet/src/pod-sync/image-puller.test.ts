import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container as KubeContainer, Pod } from '@skiff/api';
import { FakeRuntime } from '../fake-runtime.ts';
import { Backoff } from './backoff.ts';
import { ensureImage, getImagePullPolicy } from './image-puller.ts';
import type { PodEvent } from './sync-pod.ts';

test('imagePullPolicy defaults from the tag', () => {
  const policy = (image: string, imagePullPolicy?: string) => getImagePullPolicy({ name: 'c', image, ...(imagePullPolicy ? { imagePullPolicy } : {}) });
  assert.equal(policy('nginx'), 'Always');
  assert.equal(policy('nginx:latest'), 'Always');
  assert.equal(policy('registry:5000/team/nginx'), 'Always', 'a registry port is not a tag');
  assert.equal(policy('registry:5000/team/nginx:1.27'), 'IfNotPresent');
  assert.equal(policy('nginx@sha256:abcd'), 'IfNotPresent');
  assert.equal(policy('nginx:1.27', 'Never'), 'Never');
});

test('pull per policy: present images are not pulled unless Always; Never never pulls', async () => {
  const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] } };
  const pulled: string[] = [];
  const runtime = new (class extends FakeRuntime {
    override async pullImage(image: string) {
      pulled.push(image);
      return super.pullImage(image);
    }
  })();
  const present = new Set(['have:1', 'have:latest']);
  const deps = { runtime, imageBackoff: new Backoff(), now: () => 0, imagePresent: async (i: string) => present.has(i) };
  const run = async (c: KubeContainer) => {
    const events: PodEvent[] = [];
    try {
      await ensureImage(pod, c, deps, events, 'spec.containers{c}');
      return events.map((e) => e.reason).join(',');
    } catch (err) {
      return `${(err as { reason: string }).reason}: ${(err as Error).message}`;
    }
  };
  assert.equal(await run({ name: 'c', image: 'have:1' }), 'Pulled');
  assert.equal(await run({ name: 'c', image: 'have:latest' }), 'Pulling,Pulled', 'Always pulls even when present');
  assert.equal(await run({ name: 'c', image: 'missing:1' }), 'Pulling,Pulled');
  assert.equal(
    await run({ name: 'c', image: 'missing:1', imagePullPolicy: 'Never' }),
    'ErrImageNeverPull: Container image "missing:1" is not present with pull policy of Never',
  );
  assert.equal(await run({ name: 'c', image: 'have:1', imagePullPolicy: 'Never' }), 'Pulled');
  assert.deepEqual(pulled, ['have:latest', 'missing:1']);
});

/** pods/eviction through the registry, on a real etcd member (ports 20290-20292): the paths a cluster rarely shows. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../storage/store.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const pods = resource('', 'pods');
const budgets = resource('policy', 'poddisruptionbudgets');

before(async () => {
  fx = await startRegistryFixture(20290);
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

const evict = (name: string, body: Record<string, unknown> = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }) =>
  fx.registry.createSubresource(pods, 'default', name, 'eviction', body, admin);

/** A pod on node-1 in `phase`, Ready or not, written with its status as a kubelet would. */
async function podIn(name: string, phase: string, ready: boolean, app = 'web'): Promise<KubeObject> {
  const created = (
    await fx.registry.create(
      pods,
      'default',
      { metadata: { name, labels: { app } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i' }] } },
      admin,
    )
  ).object;
  const status = { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  return (await fx.registry.updateSubresource(pods, 'default', name, 'status', { ...created, status }, admin)).object;
}

/** A budget over app=`app` whose status says what a disruption controller would have written. */
async function budgetWith(name: string, app: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}): Promise<void> {
  const created = (
    await fx.registry.create(budgets, 'default', { metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: { app } }, ...spec } }, admin)
  ).object;
  await fx.registry.updateSubresource(budgets, 'default', name, 'status', { ...created, status: { observedGeneration: 1, expectedPods: 3, ...status } }, admin);
}

const gone = async (name: string) => (await apiErrorOf(fx.registry.get(pods, 'default', name))).code === 404;
const deleting = async (name: string) => Boolean((await fx.registry.get(pods, 'default', name)).metadata.deletionTimestamp);

test("the body must name the URL's pod; a missing pod is 404; policy/v1beta1 is accepted", async () => {
  const mismatch = await apiErrorOf(evict('a', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'b' } }));
  assert.deepEqual([mismatch.code, mismatch.message], [400, 'name in URL does not match name in Eviction object']);
  const missing = await apiErrorOf(evict('nope'));
  assert.deepEqual([missing.code, missing.message], [404, 'pods "nope" not found']);
  await podIn('old-client', 'Running', true, 'unguarded');
  const result = await evict('old-client', { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'old-client' } });
  assert.deepEqual([result.created, (result.object as { status?: string }).status], [true, 'Success']);
  assert.equal(await deleting('old-client'), true);
});

test('Pending and finished pods go without asking their budget, even a spent one', async () => {
  await budgetWith('spent', 'spent', { currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
  await podIn('starting', 'Pending', false, 'spent');
  await podIn('done', 'Succeeded', false, 'spent');
  await evict('starting');
  await evict('done');
  assert.equal(await deleting('starting'), true);
  assert.equal(await gone('done'), true, 'a finished pod has no grace period');
});

test('an unready pod goes without spending a disruption when the budget is met (IfHealthyBudget) or AlwaysAllow', async () => {
  await budgetWith('met', 'met', { currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
  await podIn('met-unready', 'Running', false, 'met');
  await evict('met-unready');
  assert.equal(await deleting('met-unready'), true);
  assert.deepEqual(((await fx.registry.get(budgets, 'default', 'met')).status as { disruptedPods?: unknown }).disruptedPods, undefined);

  await budgetWith('short', 'short', { currentHealthy: 1, desiredHealthy: 2, disruptionsAllowed: 0 });
  await podIn('short-unready', 'Running', false, 'short');
  assert.equal((await apiErrorOf(evict('short-unready'))).code, 429);

  await budgetWith('lenient', 'lenient', { currentHealthy: 1, desiredHealthy: 2, disruptionsAllowed: 0 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  await podIn('lenient-unready', 'Running', false, 'lenient');
  await evict('lenient-unready');
  assert.equal(await deleting('lenient-unready'), true);
});

test('a budget its controller has not observed yet answers 429 with Retry-After 10', async () => {
  await fx.registry.create(budgets, 'default', { metadata: { name: 'fresh' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'fresh' } } } }, admin);
  await podIn('fresh-1', 'Running', true, 'fresh');
  const err = await apiErrorOf(evict('fresh-1'));
  assert.equal(err.code, 429);
  assert.deepEqual(err.toStatus().details, {
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget fresh is still being processed by the server.' }],
    retryAfterSeconds: 10,
  });
});

test('an allowed eviction spends the disruption and honours the grace period asked', async () => {
  await budgetWith('roomy', 'roomy', { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
  await podIn('roomy-1', 'Running', true, 'roomy');
  await evict('roomy-1', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'roomy-1' }, deleteOptions: { gracePeriodSeconds: 7 } });
  const pod = await fx.registry.get(pods, 'default', 'roomy-1');
  assert.equal(pod.metadata.deletionGracePeriodSeconds, 7);
  const status = (await fx.registry.get(budgets, 'default', 'roomy')).status as { disruptionsAllowed: number; disruptedPods: Record<string, string> };
  assert.equal(status.disruptionsAllowed, 0);
  assert.deepEqual(Object.keys(status.disruptedPods), ['roomy-1']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceDiscovery, type DiscoveryClient } from './resource-discovery.ts';

/** A canned discovery API; `widgets` appears once `crdEstablished` is set; every GET is counted. */
function fakeApi() {
  const state = { crdEstablished: false, gets: [] as string[], failMetrics: true };
  const answers = (path: string): unknown => {
    switch (path) {
      case '/api':
        return { versions: ['v1'] };
      case '/apis':
        return {
          groups: [
            { name: 'apps', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } },
            ...(state.crdEstablished ? [{ name: 'example.com', versions: [{ version: 'v2' }, { version: 'v1' }], preferredVersion: { version: 'v2' } }] : []),
            { name: 'metrics.k8s.io', versions: [{ version: 'v1beta1' }] },
          ],
        };
      case '/api/v1':
        return {
          groupVersion: 'v1',
          resources: [
            { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['list', 'watch', 'delete'], shortNames: ['po'] },
            { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch'] },
          ],
        };
      case '/apis/apps/v1':
        return {
          groupVersion: 'apps/v1',
          resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['list', 'watch', 'delete'] }],
        };
      case '/apis/example.com/v2':
        return {
          groupVersion: 'example.com/v2',
          resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['list', 'watch', 'delete', 'deletecollection'] }],
        };
      default:
        return undefined;
    }
  };
  const client: DiscoveryClient = {
    request: <T>(_method: string, path: string): Promise<T> => {
      state.gets.push(path);
      if (path === '/apis/metrics.k8s.io/v1beta1' && state.failMetrics) return Promise.reject(new Error('HTTP 503: service unavailable'));
      const body = answers(path);
      return body === undefined ? Promise.reject(new Error(`HTTP 404 ${path}`)) : Promise.resolve(body as T);
    },
  };
  return { state, client };
}

test('preferred version of every group, subresources folded, an unreadable group reported but not fatal', async () => {
  const { client } = fakeApi();
  const snap = await new ResourceDiscovery(client, { now: () => 1000 }).refresh();
  assert.deepEqual(
    snap.resources.map((r) => `${r.group}/${r.version}/${r.resource}`),
    ['/v1/pods', 'apps/v1/deployments'],
  );
  assert.deepEqual(snap.resources[0].subresources, ['status']);
  assert.deepEqual(snap.resources[0].shortNames, ['po']);
  assert.deepEqual(Object.keys(snap.failed), ['metrics.k8s.io/v1beta1']);
  assert.equal(snap.fetchedAt, 1000);
});

test('snapshots are cached until one newer than asked is needed; concurrent rounds are shared', async () => {
  const { state, client } = fakeApi();
  let now = 1000;
  const discovery = new ResourceDiscovery(client, { now: () => now });
  await Promise.all([discovery.snapshot(), discovery.snapshot(), discovery.refresh()]);
  const oneRound = state.gets.length;
  assert.equal(oneRound, 5);
  await discovery.snapshot(1000);
  assert.equal(state.gets.length, oneRound);
  now = 2000;
  await discovery.snapshot(1500);
  assert.equal(state.gets.length, 2 * oneRound);
});

test('resolveKind: a kind established later is found by a refresh on the miss, at most one per missRefreshMs', async () => {
  const { state, client } = fakeApi();
  let now = 10_000;
  const discovery = new ResourceDiscovery(client, { now: () => now, missRefreshMs: 5000 });
  assert.equal((await discovery.resolveKind('apps/v1', 'Deployment'))?.resource, 'deployments');
  const afterFirst = state.gets.length;

  // Unknown kind straight after a round: no new round.
  assert.equal(await discovery.resolveKind('example.com/v1', 'Widget'), undefined);
  assert.equal(state.gets.length, afterFirst);

  state.crdEstablished = true;
  now += 5000;
  // Asked at v1, served (preferred) at v2: the same objects, reached through v2.
  const widget = await discovery.resolveKind('example.com/v1', 'Widget');
  assert.equal(`${widget?.group}/${widget?.version}/${widget?.resource}`, 'example.com/v2/widgets');
  assert.ok(state.gets.length > afterFirst);
});

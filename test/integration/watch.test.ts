/**
 * Watch semantics on the wire (newline-delimited events), conflicts, compaction (410),
 * bookmarks, and a client-node informer that must stay in sync across an apiserver restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import {
  ApiServerProcess,
  apiRequest,
  eventually,
  expectApiError,
  openWatch,
  startTestCluster,
  type StreamedEvent,
  type TestCluster,
} from '../harness/index.ts';

// Ports 22500-22505 (etcd), 22600 (apiserver) and 22601 (a second apiserver) belong to this file.
const BASE_PORT = 22500;
const NS = 'w';
const WRITERS = 8;

/** Runs `work` over `items` with at most `limit` in flight, keeping results in order. */
async function mapConcurrent<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

const changes = (events: StreamedEvent[]) => events.filter((e) => e.type !== 'BOOKMARK');

describe('watch', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, watchBookmarkIntervalMs: 1000 });
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(() => cluster?.stop());

  it('delivers every change after a resourceVersion exactly once, in order, to every watcher', async () => {
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const start = (await core.listNamespacedConfigMap({ namespace: NS })).metadata!.resourceVersion!;
    const watchers = await Promise.all([1, 2, 3].map(() => openWatch(cluster.admin, `${path}?watch=true&resourceVersion=${start}`)));
    try {
      const names = Array.from({ length: 100 }, (_, i) => `cm-${i}`);
      const created = await mapConcurrent(names, WRITERS, (name) =>
        core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data: { v: '0' } } }),
      );
      const midpoint = created.map((cm) => Number(cm.metadata!.resourceVersion)).sort((a, b) => b - a)[0];
      const late = await openWatch(cluster.admin, `${path}?watch=true&resourceVersion=${midpoint}`);
      watchers.push(late);
      const updated = await mapConcurrent(created, WRITERS, (cm) =>
        core.replaceNamespacedConfigMap({ name: cm.metadata!.name!, namespace: NS, body: { ...cm, data: { v: '1' } } }),
      );
      await mapConcurrent(names, WRITERS, (name) => core.deleteNamespacedConfigMap({ name, namespace: NS }));

      const writeRvs = new Map<string, string>();
      for (const cm of created) writeRvs.set(`ADDED/${cm.metadata!.name}`, cm.metadata!.resourceVersion!);
      for (const cm of updated) writeRvs.set(`MODIFIED/${cm.metadata!.name}`, cm.metadata!.resourceVersion!);

      for (const [i, watcher] of watchers.entries()) {
        const want = watcher === late ? 200 : 300;
        await watcher.waitFor((events) => changes(events).length >= want, 30_000);
        // Anything beyond `want` would be a duplicate; give stragglers a moment to show up.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const events = changes(watcher.events);
        assert.equal(events.length, want, `watcher ${i}: ${want} events`);
        const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
        assert.ok(
          rvs.every((rv, j) => j === 0 || rv > rvs[j - 1]),
          `watcher ${i}: resourceVersions strictly increase`,
        );
        assert.ok(rvs[0] > Number(watcher === late ? midpoint : start), 'nothing at or before the requested revision');
        const seen = new Set(events.map((e) => `${e.type}/${e.object.metadata.name}`));
        assert.equal(seen.size, want, `watcher ${i}: each change exactly once`);
        for (const e of events) {
          assert.equal(e.object.kind, 'ConfigMap');
          const rv = writeRvs.get(`${e.type}/${e.object.metadata.name}`);
          if (rv) assert.equal(e.object.metadata.resourceVersion, rv, "event carries the write's resourceVersion");
        }
        const deleted = events.filter((e) => e.type === 'DELETED');
        assert.equal(deleted.length, 100);
        assert.ok(
          deleted.every((e) => e.object.data?.v === '1'),
          'DELETED carries the last state',
        );
      }
    } finally {
      watchers.forEach((w) => w.close());
    }
  });

  it('answers 409 to an update based on a stale resourceVersion', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'stale' }, data: { v: '0' } } });
    await core.replaceNamespacedConfigMap({ name: 'stale', namespace: NS, body: { ...cm, data: { v: '1' } } });
    const status = await expectApiError(core.replaceNamespacedConfigMap({ name: 'stale', namespace: NS, body: { ...cm, data: { v: '2' } } }), 409, 'Conflict');
    assert.match(status.message ?? '', /modified/);
    assert.equal((await core.readNamespacedConfigMap({ name: 'stale', namespace: NS })).data?.v, '1');
  });

  it('answers 410 Gone for a compacted revision', async () => {
    const old = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'compact-me' }, data: { v: '0' } } });
    let latest = old;
    for (let i = 1; i <= 5; i++) {
      latest = await core.replaceNamespacedConfigMap({ name: 'compact-me', namespace: NS, body: { ...latest, data: { v: String(i) } } });
    }
    const etcd = new Etcd3({ hosts: cluster.etcd.endpoints });
    try {
      await etcd.kv.compact({ revision: latest.metadata!.resourceVersion!, physical: true });
    } finally {
      etcd.close();
    }
    // Like kube-apiserver, ours may serve recent history from its watch cache even after
    // etcd compacted it; a restart empties that cache, so the old revision is truly gone.
    await cluster.restartApiServer();
    const oldRv = old.metadata!.resourceVersion!;
    const watch = await openWatch(cluster.admin, `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${oldRv}`);
    try {
      if (watch.status === 200) {
        // Kubernetes' way: 200, then one ERROR event whose object is a 410 Status.
        await watch.waitFor((events) => events.length > 0, 10_000);
        const first = watch.events[0];
        assert.equal(first.type, 'ERROR', `first event: ${JSON.stringify(first).slice(0, 300)}`);
        assert.equal(first.object.code, 410);
        assert.equal(first.object.reason, 'Expired');
      } else {
        assert.equal(watch.status, 410);
      }
    } finally {
      watch.close();
    }
    const exact = await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${NS}/configmaps?resourceVersion=${oldRv}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 410, exact.body);
    assert.equal(exact.json?.reason, 'Expired');
    // A watch from the current revision still works after compaction.
    const current = await openWatch(cluster.admin, `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${latest.metadata!.resourceVersion}`);
    try {
      await core.deleteNamespacedConfigMap({ name: 'compact-me', namespace: NS });
      await current.waitFor((events) => events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'compact-me'));
    } finally {
      current.close();
    }
  });

  it('sends bookmarks only when asked', async () => {
    const rv = (await core.listNamespacedConfigMap({ namespace: NS })).metadata!.resourceVersion!;
    const path = `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${rv}`;
    const withBookmarks = await openWatch(cluster.admin, `${path}&allowWatchBookmarks=true`);
    const without = await openWatch(cluster.admin, path);
    try {
      await withBookmarks.waitFor((events) => events.some((e) => e.type === 'BOOKMARK'), 10_000);
      const bookmark = withBookmarks.events.find((e) => e.type === 'BOOKMARK')!;
      assert.equal(bookmark.object.kind, 'ConfigMap');
      assert.ok(Number(bookmark.object.metadata.resourceVersion) >= Number(rv), 'a bookmark carries a current resourceVersion');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(without.events.filter((e) => e.type === 'BOOKMARK').length, 0, 'no bookmarks unless allowWatchBookmarks');
    } finally {
      withBookmarks.close();
      without.close();
    }
  });

  it('keeps a client-node informer in sync across an apiserver restart', async () => {
    const ns = 'informed';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const create = (api: CoreV1Api, name: string) => api.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
    await create(core, 'keep');
    await create(core, 'doomed');
    const informer = makeInformer<V1ConfigMap>(cluster.kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    let stopped = false;
    // client-node's documented pattern: a watch that fails (server gone) is restarted by the caller.
    informer.on('error', () => {
      if (!stopped) setTimeout(() => !stopped && informer.start().catch(() => {}), 300);
    });
    const cached = () =>
      informer
        .list(ns)
        .map((cm) => cm.metadata!.name!)
        .sort();
    // A second apiserver on the same etcd, to write while the first is down (as in an HA control plane).
    const port = BASE_PORT + 101;
    const second = new ApiServerProcess({
      ...cluster.apiServer.options,
      args: cluster.apiServer.options.args.map((a) => (a.startsWith('--secure-port=') ? `--secure-port=${port}` : a)),
      url: `https://127.0.0.1:${port}`,
      logFile: join(cluster.dir, 'logs', 'apiserver-2.log'),
    });
    try {
      await informer.start();
      await eventually(async () => assert.deepEqual(cached(), ['doomed', 'keep']));

      await cluster.killApiServer();
      await second.start();
      // Write through the second server while the informer's server is down.
      const kc = new KubeConfig();
      kc.loadFromString(cluster.kubeConfig.exportConfig());
      kc.clusters[0] = { ...kc.clusters[0], server: second.options.url };
      const viaSecond = kc.makeApiClient(CoreV1Api);
      await create(viaSecond, 'born-while-down');
      await viaSecond.deleteNamespacedConfigMap({ name: 'doomed', namespace: ns });
      await second.stop();

      await cluster.startApiServer();
      await eventually(async () => assert.deepEqual(cached(), ['born-while-down', 'keep']), 30_000);
      // And it keeps watching after the restart.
      await create(core, 'after-restart');
      await eventually(async () => assert.deepEqual(cached(), ['after-restart', 'born-while-down', 'keep']), 15_000);
    } finally {
      stopped = true;
      await informer.stop();
      await second.kill();
    }
  });
});

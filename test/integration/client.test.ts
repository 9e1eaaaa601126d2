/**
 * libs/client against the real apiserver on a real 3-member etcd cluster: the REST
 * client's verbs and errors, informers (sync, events, relist after a restart with a
 * compacted revision), and leader election handing over on crash and on release.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { findResourceByKind, type Binding, type ConfigMap, type Deployment, type Lease, type Pod, type Scale } from '@skiff/api';
import { startEtcdCluster, type EtcdCluster } from '@skiff/etcd';
import { ensureClusterPki, writeKubeconfig } from '@skiff/pki';
import { ApiStatusError, Informer, LeaderElector, RestClient, isAlreadyExists, isConflict, isNotFound, type WatchEvent } from '@skiff/client';
import { ApiServerProcess, eventually } from '../harness/index.ts';

// Ports 23000-23005 (etcd), 23010 (apiserver) and 23011 (a second apiserver) belong to this file.
const ETCD_BASE_PORT = 23000;
const API_PORT = 23010;
const OTHER_API_PORT = 23011;
const TOKEN = 'client-suite-token-0123456789';

const configMaps = findResourceByKind('v1', 'ConfigMap')!;
const namespaces = findResourceByKind('v1', 'Namespace')!;
const pods = findResourceByKind('v1', 'Pod')!;
const deployments = findResourceByKind('apps/v1', 'Deployment')!;
const leases = findResourceByKind('coordination.k8s.io/v1', 'Lease')!;

/** The test cluster, assembled from the harness' parts so every port stays in this file's range. */
interface Cluster {
  dir: string;
  etcd: EtcdCluster;
  api: ApiServerProcess;
  apiArgs(port: number): string[];
  caCert: string;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-client-it-'));
  const parts: { etcd?: EtcdCluster; apis: ApiServerProcess[] } = { apis: [] };
  const stop = async () => {
    for (const api of parts.apis) await api.stop(5000).catch(() => api.kill());
    await parts.etcd?.stop();
    if (!process.env.SKIFF_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    parts.etcd = await startEtcdCluster({ size: 3, dataRoot: join(dir, 'etcd'), basePort: ETCD_BASE_PORT, logDir: join(dir, 'logs') });
    const pkiDir = join(dir, 'pki');
    const pki = await ensureClusterPki(pkiDir, { apiServerHosts: ['127.0.0.1', 'localhost'] });
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${TOKEN},tester,tester-uid,"system:masters"\n`, { mode: 0o600 });
    const etcd = parts.etcd;
    const apiArgs = (port: number) => [
      `--etcd-servers=${etcd.endpoints.join(',')}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${join(pkiDir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pkiDir, 'apiserver.key')}`,
      `--client-ca-file=${join(pkiDir, 'ca.crt')}`,
      `--token-auth-file=${tokenFile}`,
      '--advertise-address=127.0.0.1',
      '--watch-bookmark-interval-ms=1000',
    ];
    const server = `https://127.0.0.1:${API_PORT}`;
    const api = new ApiServerProcess({ args: apiArgs(API_PORT), url: server, caCert: pki.caCert, logFile: join(dir, 'logs', 'apiserver.log') });
    parts.apis.push(api);
    await api.start();
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, { server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
    return { dir, etcd, api, apiArgs, caCert: pki.caCert, kubeconfigPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const cm = (ns: string, name: string, data: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace: ns, name },
  data,
});

describe('@skiff/client against the apiserver', () => {
  let cluster: Cluster;
  let client: RestClient;

  before(async () => {
    cluster = await startCluster();
    client = RestClient.fromKubeconfig(cluster.kubeconfigPath);
    for (const name of ['rest', 'inf', 'relist']) await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('does CRUD with typed answers and Status errors', async () => {
    const created = await client.create<ConfigMap>(configMaps, cm('rest', 'one', { a: '1' }));
    assert.equal(created.metadata?.namespace, 'rest');
    assert.ok(created.metadata?.uid && created.metadata.resourceVersion);
    await assert.rejects(client.create(configMaps, cm('rest', 'one')), (err) => isAlreadyExists(err) && (err as ApiStatusError).code === 409);

    const got = await client.get<ConfigMap>(configMaps, 'rest', 'one');
    const updated = await client.update<ConfigMap>(configMaps, { ...got, data: { a: '2' } });
    assert.equal(updated.data?.a, '2');
    // The stale resourceVersion loses the compare-and-swap.
    await assert.rejects(client.update(configMaps, { ...got, data: { a: '3' } }), (err) => isConflict(err));

    const merged = await client.patch<ConfigMap>(configMaps, 'rest', 'one', 'merge', { data: { b: 'x' } });
    assert.deepEqual(merged.data, { a: '2', b: 'x' });
    const jsonPatched = await client.patch<ConfigMap>(configMaps, 'rest', 'one', 'json', [{ op: 'remove', path: '/data/a' }]);
    assert.deepEqual(jsonPatched.data, { b: 'x' });

    const list = await client.list<ConfigMap>(configMaps, 'rest');
    assert.equal(list.kind, 'ConfigMapList');
    assert.ok(list.metadata.resourceVersion);
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['one'],
    );

    await client.delete(configMaps, 'rest', 'one');
    await assert.rejects(client.get(configMaps, 'rest', 'one'), (err) => {
      assert.ok(isNotFound(err));
      assert.equal((err as ApiStatusError).reason, 'NotFound');
      assert.equal((err as ApiStatusError).status.kind, 'Status');
      return true;
    });
  });

  it('authenticates with a bearer token too, and reports 401 without credentials', async () => {
    const viaToken = new RestClient({ server: client.config.server, caCert: cluster.caCert, token: TOKEN, namespace: 'default' });
    const anonymous = new RestClient({ server: client.config.server, caCert: cluster.caCert, namespace: 'default' });
    try {
      assert.equal((await viaToken.get(namespaces, undefined, 'rest')).metadata?.name, 'rest');
      await assert.rejects(anonymous.list(configMaps, 'rest'), (err) => err instanceof ApiStatusError && err.code === 401);
    } finally {
      viaToken.close();
      anonymous.close();
    }
  });

  it('reaches the scale and binding subresources', async () => {
    const labels = { app: 'web' };
    await client.create<Deployment>(deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { namespace: 'rest', name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const scale = await client.get<Scale>(deployments, 'rest', 'web', { subresource: 'scale' });
    assert.equal(scale.spec?.replicas, 1);
    await client.update(deployments, { ...scale, spec: { replicas: 3 } }, { subresource: 'scale' });
    assert.equal((await client.get<Deployment>(deployments, 'rest', 'web')).spec?.replicas, 3);

    await client.create<Pod>(pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'rest', name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await client.create<Binding>(
      pods,
      { apiVersion: 'v1', kind: 'Binding', metadata: { namespace: 'rest', name: 'p' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } },
      {
        subresource: 'binding',
      },
    );
    assert.equal((await client.get<Pod>(pods, 'rest', 'p')).spec?.nodeName, 'node-1');
  });

  it('streams watch events from a resourceVersion and stops on abort', async () => {
    const rv = (await client.list(configMaps, 'rest')).metadata.resourceVersion;
    const abort = new AbortController();
    const seen: WatchEvent<ConfigMap>[] = [];
    const done = (async () => {
      for await (const event of client.watch<ConfigMap>(configMaps, 'rest', { resourceVersion: rv, signal: abort.signal })) {
        seen.push(event);
        if (seen.length === 2) abort.abort();
      }
    })();
    await client.create(configMaps, cm('rest', 'w1'));
    await client.delete(configMaps, 'rest', 'w1');
    await done;
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.type === 'ERROR' ? e.object.message : e.object.metadata?.name}`),
      ['ADDED w1', 'DELETED w1'],
    );
  });

  it('an informer syncs, then sees adds, updates and deletes', async () => {
    await client.create(configMaps, cm('inf', 'before'));
    const informer = new Informer<ConfigMap>({ client, resource: configMaps, namespace: 'inf' });
    const events: string[] = [];
    informer.onAdd((o) => events.push(`add ${o.metadata?.name}`));
    informer.onUpdate((a, b) => a !== b && events.push(`update ${b.metadata?.name} ${b.data?.v}`));
    informer.onDelete((o) => events.push(`delete ${o.metadata?.name}`));
    informer.start();
    try {
      await informer.waitForSync();
      assert.deepEqual(events, ['add before']);
      await client.create(configMaps, cm('inf', 'x', { v: '1' }));
      await client.patch(configMaps, 'inf', 'x', 'merge', { data: { v: '2' } });
      await client.delete(configMaps, 'inf', 'before');
      await eventually(async () => assert.deepEqual(events, ['add before', 'add x', 'update x 2', 'delete before']));
      assert.equal(informer.get('inf', 'x')?.data?.v, '2');
      assert.deepEqual(
        informer.byIndex('namespace', 'inf').map((o) => o.metadata?.name),
        ['x'],
      );
      assert.ok(Object.isFrozen(informer.get('inf', 'x')));
    } finally {
      await informer.stop();
    }
  });

  it('relists after an apiserver restart whose old revision was compacted, deleting what vanished', async () => {
    await client.create(configMaps, cm('relist', 'stays'));
    await client.create(configMaps, cm('relist', 'vanishes'));
    const messages: string[] = [];
    const note = (_fields: unknown, message: string) => void messages.push(message);
    const logger = { info: note, warn: note, error: note, debug: note } as never;
    const informer = new Informer<ConfigMap>({ client, resource: configMaps, namespace: 'relist', initialBackoffMs: 200, maxBackoffMs: 1000, logger });
    const events: string[] = [];
    informer.onAdd((o) => events.push(`add ${o.metadata?.name}`));
    informer.onDelete((o) => events.push(`delete ${o.metadata?.name}`));
    informer.start();
    const other = new ApiServerProcess({
      args: cluster.apiArgs(OTHER_API_PORT),
      url: `https://127.0.0.1:${OTHER_API_PORT}`,
      caCert: cluster.caCert,
      logFile: join(cluster.dir, 'logs', 'apiserver-2.log'),
    });
    try {
      await informer.waitForSync();
      await cluster.api.stop();
      // While our apiserver is away, another one changes the world and etcd forgets history.
      await other.start();
      const viaOther = new RestClient({ ...client.config, server: `https://127.0.0.1:${OTHER_API_PORT}` });
      try {
        await viaOther.delete(configMaps, 'relist', 'vanishes');
        await viaOther.create(configMaps, cm('relist', 'appears'));
        const latest = (await viaOther.list(configMaps, 'relist')).metadata.resourceVersion!;
        const etcd = new Etcd3({ hosts: cluster.etcd.endpoints });
        try {
          await etcd.kv.compact({ revision: latest, physical: true });
        } finally {
          etcd.close();
        }
      } finally {
        viaOther.close();
        await other.stop();
      }
      await cluster.api.start();
      await eventually(async () => assert.deepEqual(events.sort(), ['add appears', 'add stays', 'add vanishes', 'delete vanishes']), 30_000);
      assert.deepEqual(
        informer
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
        ['appears', 'stays'],
      );
      assert.ok(messages.includes('watch resourceVersion expired; relisting'), `the informer relisted on 410: ${messages.join(' | ')}`);
    } finally {
      await other.stop();
      await informer.stop();
    }
  });

  it('leader election: a crashed leader is replaced within the lease duration; a release hands over at once', async () => {
    const started: string[] = [];
    const candidate = (identity: string, releaseOnCancel = true) =>
      new LeaderElector({
        client,
        namespace: 'kube-system',
        name: 'client-it',
        identity,
        leaseDurationSeconds: 3,
        renewDeadlineMs: 2000,
        retryPeriodMs: 300,
        releaseOnCancel,
        onStartedLeading: () => void started.push(identity),
      });
    const a = candidate('a', false);
    const b = candidate('b');
    const c = candidate('c');
    const stop = { a: new AbortController(), b: new AbortController(), c: new AbortController() };
    const runA = a.run(stop.a.signal);
    await eventually(async () => assert.ok(a.isLeader()), 10_000, 50);
    const runB = b.run(stop.b.signal);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(b.isLeader(), false);
    try {
      // a "crashes": it stops renewing without releasing, so b waits for expiry.
      stop.a.abort();
      await runA;
      const crashed = Date.now();
      await eventually(async () => assert.ok(b.isLeader()), 10_000, 50);
      const waited = Date.now() - crashed;
      assert.ok(waited < 3000 + 1000, `took over after ${waited} ms with a 3 s lease`);
      const lease = await client.get<Lease>(leases, 'kube-system', 'client-it');
      assert.equal(lease.spec?.holderIdentity, 'b');
      assert.equal(lease.spec?.leaseTransitions, 1);

      const runC = c.run(stop.c.signal);
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(c.isLeader(), false);
      const released = Date.now();
      stop.b.abort();
      await runB;
      await eventually(async () => assert.ok(c.isLeader()), 10_000, 50);
      assert.ok(Date.now() - released < 1500, 'release hands over within a retry period, not a lease duration');
      stop.c.abort();
      await runC;
      assert.deepEqual(started, ['a', 'b', 'c']);
      assert.equal((await client.get<Lease>(leases, 'kube-system', 'client-it')).spec?.holderIdentity, '');
    } finally {
      for (const s of Object.values(stop)) s.abort();
    }
  });
});

/**
 * The local-path provisioner's node half against a real control plane with hollow nodes:
 * a claim of the default class local-path used by a pod gets, on the node the scheduler
 * chose, a directory under that node's storage root and a Bound volume pinned to the node;
 * deleting the claim removes the directory and the volume. One provisioner runs per hollow
 * node, each with its own temp root, as each lab node has its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findResourceByKind, type Event, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { createLogger } from '@skiff/log';
import {
  REPO_ROOT,
  eventually,
  startControllerManager,
  startHollowNodes,
  startScheduler,
  startTestCluster,
  waitForReadyNodes,
  type ComponentProcess,
  type TestCluster,
} from '../harness/index.ts';

// Ports 29800-29899 belong to this file: etcd 29800-29801, the apiserver 29890.
const BASE_PORT = 29800;
const API_PORT = 29890;
const NS = 'default';
const NODES = ['hollow-l-0', 'hollow-l-1'];

const PVS = findResourceByKind('v1', 'PersistentVolume')!;
const PVCS = findResourceByKind('v1', 'PersistentVolumeClaim')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const EVENTS = findResourceByKind('v1', 'Event')!;

// The component runs in this process; test/ does not reference the app's project, so it is loaded by path.
type LocalPathModule = {
  run(
    config: { kubeconfig: string; nodeName: string; storageRoot: string; metricsPort: number; logLevel: string },
    signal: AbortSignal,
    opts?: { logger?: unknown; onReady?: () => void },
  ): Promise<void>;
};
const localPath = (await import(pathToFileURL(join(REPO_ROOT, 'apps/local-path/src/index.ts')).href)) as LocalPathModule;

describe('local-path provisioner', { timeout: 180_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;
  const components: ComponentProcess[] = [];
  const stop = new AbortController();
  const running: Promise<void>[] = [];
  const roots = new Map<string, string>();

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, apiServerPort: API_PORT, etcdMembers: 1 });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    components.push(await startControllerManager(cluster));
    components.push(await startScheduler(cluster));
    components.push(await startHollowNodes(cluster, { count: NODES.length, prefix: 'hollow-l-' }));
    await waitForReadyNodes(client, NODES.length, 60_000);
    const logger = createLogger('local-path', process.env.SKIFF_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
    for (const nodeName of NODES) {
      const root = mkdtempSync(join(tmpdir(), `skiff-local-path-${nodeName}-`));
      roots.set(nodeName, root);
      await new Promise<void>((resolve, reject) => {
        running.push(
          localPath
            .run({ kubeconfig: cluster.kubeconfigPath, nodeName, storageRoot: root, metricsPort: 0, logLevel: 'warn' }, stop.signal, {
              logger,
              onReady: resolve,
            })
            .catch(reject),
        );
      });
    }
  });
  after(async () => {
    stop.abort();
    await Promise.allSettled(running);
    await Promise.all(components.map((c) => c.stop(5000).catch(() => c.kill())));
    client?.close();
    await cluster?.stop();
    for (const root of roots.values()) rmSync(root, { recursive: true, force: true });
  });

  let uid = '';
  let node = '';
  let dir = '';

  it('provisions a directory and a Bound volume pinned to the node the pod was scheduled to', async () => {
    const pvc = await client.create<PersistentVolumeClaim>(PVCS, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: NS },
      spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '256Mi' } } },
    });
    uid = pvc.metadata?.uid ?? '';
    await client.create<Pod>(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'writer', namespace: NS },
      spec: {
        containers: [{ name: 'app', image: 'registry.local/app:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      },
    });
    node = await eventually(async () => {
      const pod = await client.get<Pod>(PODS, NS, 'writer');
      assert.ok(pod.spec?.nodeName, 'the pod is scheduled');
      return pod.spec.nodeName;
    }, 30_000);
    const bound = await eventually(async () => {
      const c = await client.get<PersistentVolumeClaim>(PVCS, NS, 'data');
      assert.equal(c.status?.phase, 'Bound');
      return c;
    }, 60_000);
    assert.equal(bound.spec?.volumeName, `pvc-${uid}`);
    assert.equal(bound.status?.capacity?.storage, '256Mi');

    dir = join(roots.get(node)!, `pvc-${uid}_${NS}_data`);
    assert.ok(statSync(dir).isDirectory(), `${dir} exists on the chosen node's root`);
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    const other = NODES.find((n) => n !== node)!;
    assert.ok(!existsSync(join(roots.get(other)!, `pvc-${uid}_${NS}_data`)), 'nothing on the other node');

    const pv = await client.get<PersistentVolume>(PVS, undefined, `pvc-${uid}`);
    assert.equal(pv.status?.phase, 'Bound');
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'skiff.dev/local-path');
    assert.deepEqual(pv.spec?.hostPath, { path: dir, type: 'DirectoryOrCreate' });
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.spec?.storageClassName, 'local-path');
    assert.equal(pv.spec?.claimRef?.uid, uid);
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
    ]);
    const events = (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=data' })).items;
    assert.ok(
      events.some((e) => e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume pvc-${uid}`),
      'ProvisioningSucceeded event',
    );
  });

  it('deleting the claim removes the directory and the volume', async () => {
    assert.ok(dir, 'the first test provisioned a volume');
    await client.delete(PODS, NS, 'writer', { gracePeriodSeconds: 0 });
    await client.delete(PVCS, NS, 'data');
    await eventually(async () => {
      await assert.rejects(client.get(PVS, undefined, `pvc-${uid}`), (err: { code?: number }) => err.code === 404);
    }, 60_000);
    assert.ok(!existsSync(dir), `${dir} is gone`);
  });
});

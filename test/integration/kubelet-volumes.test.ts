/**
 * Volumes on a real Docker-mode kubelet: an emptyDir shared by two containers, configMap items
 * with modes that follow updates of the ConfigMap, a secret on tmpfs, a downwardAPI labels file,
 * hostPath DirectoryOrCreate, a PVC bound to a hostPath PV, and a missing ConfigMap that holds
 * the pod in ContainerCreating (FailedMount) until it is created.
 * Ports 27120–27132 (etcd 27120–27125, apiserver 27130, kubelet 27131/27132).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findResourceByKind,
  type ConfigMap,
  type Container,
  type Event,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type Secret,
  type Volume,
} from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, runInContainer } from '@skiff/kubelet';
import {
  allowPrivilegedPods,
  cleanupNodeContainers,
  deletePodsAndWait,
  dockerFor,
  eventually,
  startKubelet,
  startTestCluster,
  unmountLeftovers,
  waitForPodRunning,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const CONFIGMAPS = findResourceByKind('v1', 'ConfigMap')!;
const SECRETS = findResourceByKind('v1', 'Secret')!;
const EVENTS = findResourceByKind('v1', 'Event')!;
const PVS = findResourceByKind('v1', 'PersistentVolume');
const PVCS = findResourceByKind('v1', 'PersistentVolumeClaim');
const NODE = 'k2-volumes-node';
const NS = 'default';

const docker = dockerFor();
const hostDir = mkdtempSync(join(tmpdir(), 'k2-hostpaths-'));
let cluster: TestCluster | undefined;
let kubelet: KubeletProcess | undefined;
let api: RestClient;

const sleeper = (name: string, volumeMounts: Container['volumeMounts'], command = ['sleep', '3600']): Container => ({
  name,
  image: BUSYBOX_IMAGE,
  imagePullPolicy: 'IfNotPresent',
  command,
  volumeMounts,
});

function makePod(name: string, volumes: Volume[], containers: Container[], labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, volumes, containers },
  };
}

function waitRunning(name: string, timeoutMs = 120_000): Promise<Pod> {
  return waitForPodRunning(api, NS, name, kubelet, timeoutMs);
}

/** Runs a command in a pod's container through the Engine API (the kubelet API is not under test here). */
async function exec(pod: string, container: string, cmd: string[]): Promise<string> {
  const found = await docker.listContainers({
    filters: { label: [`${LABEL_POD_NAME}=${pod}`, `${LABEL_POD_NAMESPACE}=${NS}`, `${LABEL_CONTAINER_NAME}=${container}`], status: ['running'] },
  });
  assert.ok(found[0], `no running container ${container} of pod ${pod}`);
  const res = await runInContainer(docker, found[0].Id, cmd);
  assert.equal(res.exitCode, 0, `${cmd.join(' ')} in ${pod}/${container}: ${res.stderr}`);
  return res.stdout;
}

describe('kubelet volumes on Docker', { timeout: 600_000 }, () => {
  before(async () => {
    cluster = await startTestCluster({ basePort: 27120, apiServerPort: 27130 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await allowPrivilegedPods(api, NS); // hostPath / hostPort pods, refused by the default baseline
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.202.2.0/24', networkName: 'k2-volumes', port: 27131, healthzPort: 27132 });
  });

  after(async () => {
    // Pods go first, so the kubelet tears their volumes down (secret tmpfs mounts included).
    if (api) await deletePodsAndWait(api, NS).catch(() => undefined);
    await kubelet?.stop().catch(() => undefined);
    await cleanupNodeContainers(NODE).catch(() => undefined);
    // Whatever a failed run left mounted must not stop the cluster's temp dir from going.
    if (kubelet) unmountLeftovers(kubelet.rootDir);
    api?.close();
    rmSync(hostDir, { recursive: true, force: true });
    await cluster?.stop();
  });

  it('shares an emptyDir between two containers of a pod', async () => {
    await api.create(
      PODS,
      makePod(
        'k2-shared',
        [{ name: 'scratch', emptyDir: {} }],
        [
          sleeper('writer', [{ name: 'scratch', mountPath: '/out' }], ['sh', '-c', 'echo from-writer > /out/msg && sleep 3600']),
          sleeper('reader', [{ name: 'scratch', mountPath: '/in', readOnly: true }]),
        ],
      ),
    );
    await waitRunning('k2-shared');
    const text = await eventually(async () => exec('k2-shared', 'reader', ['cat', '/in/msg']), 30_000, 500);
    assert.equal(text.trim(), 'from-writer');
  });

  it('projects configMap items with their mode and follows ConfigMap updates', async () => {
    await api.create(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'k2-game', namespace: NS },
      data: { lives: '3', color: 'red' },
    } as ConfigMap);
    await api.create(
      PODS,
      makePod(
        'k2-config',
        [{ name: 'cfg', configMap: { name: 'k2-game', items: [{ key: 'lives', path: 'conf/lives.txt', mode: 0o600 }], defaultMode: 0o444 } }],
        [sleeper('app', [{ name: 'cfg', mountPath: '/etc/game' }])],
      ),
    );
    await waitRunning('k2-config');
    assert.equal(await exec('k2-config', 'app', ['cat', '/etc/game/conf/lives.txt']), '3');
    assert.equal((await exec('k2-config', 'app', ['stat', '-L', '-c', '%a', '/etc/game/conf/lives.txt'])).trim(), '600');
    assert.equal((await exec('k2-config', 'app', ['ls', '/etc/game'])).trim(), 'conf', 'only the listed item');

    const cm = await api.get<ConfigMap>(CONFIGMAPS, NS, 'k2-game');
    await api.update(CONFIGMAPS, { ...cm, data: { lives: '9', color: 'red' } });
    await eventually(async () => assert.equal(await exec('k2-config', 'app', ['cat', '/etc/game/conf/lives.txt']), '9'), 90_000, 2000);
  });

  it('keeps secret volumes on tmpfs', async () => {
    await api.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k2-creds', namespace: NS },
      data: { password: Buffer.from('hunter2').toString('base64') },
    } as Secret);
    await api.create(
      PODS,
      makePod(
        'k2-secret',
        [{ name: 'creds', secret: { secretName: 'k2-creds', defaultMode: 0o400 } }],
        [sleeper('app', [{ name: 'creds', mountPath: '/etc/creds' }])],
      ),
    );
    await waitRunning('k2-secret');
    assert.equal(await exec('k2-secret', 'app', ['cat', '/etc/creds/password']), 'hunter2');
    assert.match(await exec('k2-secret', 'app', ['grep', '/etc/creds', '/proc/mounts']), /^tmpfs \/etc\/creds tmpfs ro/m);
    assert.equal((await exec('k2-secret', 'app', ['stat', '-L', '-c', '%a', '/etc/creds/password'])).trim(), '400');
  });

  it('writes the downwardAPI labels file', async () => {
    await api.create(
      PODS,
      makePod(
        'k2-downward',
        [
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              ],
            },
          },
        ],
        [sleeper('app', [{ name: 'info', mountPath: '/etc/podinfo' }])],
        { app: 'k2', tier: 'backend' },
      ),
    );
    await waitRunning('k2-downward');
    assert.equal(await exec('k2-downward', 'app', ['cat', '/etc/podinfo/labels']), 'app="k2"\ntier="backend"');
    assert.equal(await exec('k2-downward', 'app', ['cat', '/etc/podinfo/name']), 'k2-downward');
  });

  it('creates a hostPath DirectoryOrCreate and writes through to the node', async () => {
    const path = join(hostDir, 'made-by-kubelet');
    await api.create(
      PODS,
      makePod(
        'k2-hostpath',
        [{ name: 'h', hostPath: { path, type: 'DirectoryOrCreate' } }],
        [sleeper('app', [{ name: 'h', mountPath: '/host' }], ['sh', '-c', 'echo via-hostpath > /host/out && sleep 3600'])],
      ),
    );
    await waitRunning('k2-hostpath');
    await eventually(async () => assert.equal(readFileSync(join(path, 'out'), 'utf8'), 'via-hostpath\n'), 30_000, 500);
  });

  it('mounts a PVC bound to a hostPath PersistentVolume', { skip: !PVS && 'persistentvolumes not served' }, async () => {
    const path = join(hostDir, 'pv1');
    await api.create(PVS!, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'k2-pv1' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path, type: 'DirectoryOrCreate' },
        claimRef: { namespace: NS, name: 'k2-claim' },
      },
    } as PersistentVolume);
    await api.create(PVCS!, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'k2-claim', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'k2-pv1' },
    } as PersistentVolumeClaim);
    await api.create(
      PODS,
      makePod(
        'k2-pvc',
        [{ name: 'data', persistentVolumeClaim: { claimName: 'k2-claim' } }],
        [sleeper('app', [{ name: 'data', mountPath: '/data' }], ['sh', '-c', 'echo persisted > /data/file && sleep 3600'])],
      ),
    );
    await waitRunning('k2-pvc');
    await eventually(async () => assert.equal(readFileSync(join(path, 'file'), 'utf8'), 'persisted\n'), 30_000, 500);
  });

  it('holds a pod with a missing ConfigMap in ContainerCreating (FailedMount) until it exists', async () => {
    await api.create(PODS, makePod('k2-waits', [{ name: 'cfg', configMap: { name: 'k2-later' } }], [sleeper('app', [{ name: 'cfg', mountPath: '/cfg' }])]));
    await eventually(
      async () => {
        const events = (await api.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=k2-waits' })).items;
        const failed = events.find((e) => e.reason === 'FailedMount');
        assert.ok(failed, `events: ${events.map((e) => e.reason).join(',')}`);
        assert.match(failed.message ?? '', /MountVolume\.SetUp failed for volume "cfg" : configmap "k2-later" not found/);
        const pod = await api.get<Pod>(PODS, NS, 'k2-waits');
        assert.equal(pod.status?.phase, 'Pending');
        assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
      },
      90_000,
      1000,
    );

    await api.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k2-later', namespace: NS }, data: { ready: 'yes' } } as ConfigMap);
    await waitRunning('k2-waits', 120_000);
    assert.equal(await exec('k2-waits', 'app', ['cat', '/cfg/ready']), 'yes');
  });
});

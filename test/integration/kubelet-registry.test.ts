/**
 * Image pulls from a private registry with credentials: Debian's docker-registry with htpasswd
 * auth on loopback holds busybox as 127.0.0.1:27115/k2/busybox:v1; a pod whose
 * imagePullSecrets carry the right password pulls it (Pulling/Pulled) and runs, one with a
 * wrong password ends in ImagePullBackOff with the registry's answer in view.
 * Ports 27100–27115 (etcd 27100–27105, apiserver 27110, kubelet 27111/27112, registry 27115).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Event, type Pod, type Secret } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '@skiff/kubelet';
import {
  cleanupNodeContainers,
  deletePodsAndWait,
  dockerFor,
  eventually,
  startKubelet,
  startTestCluster,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';
import { dockerConfigJson, registryAvailable, startRegistry, type TestRegistry } from '../harness/registry.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const SECRETS = findResourceByKind('v1', 'Secret')!;
const EVENTS = findResourceByKind('v1', 'Event')!;
const NODE = 'k2-registry-node';
const NS = 'default';
const REGISTRY_PORT = 27115;
const IMAGE = `127.0.0.1:${REGISTRY_PORT}/k2/busybox:v1`;

const docker = dockerFor();
let cluster: TestCluster | undefined;
let kubelet: KubeletProcess | undefined;
let registry: TestRegistry | undefined;
let api: RestClient;

/** Tag and push through the Engine API, as `docker push` would, with the registry's credentials. */
async function pushImage(reg: TestRegistry): Promise<void> {
  await ensureBusyboxImage(docker);
  const [repo, tag] = [IMAGE.slice(0, IMAGE.lastIndexOf(':')), IMAGE.slice(IMAGE.lastIndexOf(':') + 1)];
  await docker.getImage(BUSYBOX_IMAGE).tag({ repo, tag });
  const stream = await docker.getImage(IMAGE).push({ authconfig: { username: reg.username, password: reg.password, serveraddress: reg.host } });
  const output = await new Promise<{ error?: string }[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolve(out)));
  });
  const failure = output.find((o) => o.error);
  if (failure) throw new Error(`push ${IMAGE}: ${failure.error}`);
  // Only the tag goes: the pod must get the image from the registry, not from the local store.
  await docker.getImage(IMAGE).remove();
}

function pullSecret(name: string, password: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name, namespace: NS },
    data: { '.dockerconfigjson': Buffer.from(dockerConfigJson(registry!.host, registry!.username, password)).toString('base64') },
  };
}

function podPulling(name: string, secret: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      nodeName: NODE,
      imagePullSecrets: [{ name: secret }],
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'app', image: IMAGE, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
    },
  };
}

async function podEvents(name: string): Promise<Event[]> {
  const list = await api.list<Event>(EVENTS, NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe('kubelet pulls from a private registry', { skip: !registryAvailable() && 'docker-registry/htpasswd not installed', timeout: 300_000 }, () => {
  before(async () => {
    registry = await startRegistry({ port: REGISTRY_PORT, username: 'k2user', password: 'k2-right-password' });
    await pushImage(registry);
    cluster = await startTestCluster({ basePort: 27100, apiServerPort: 27110 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.202.1.0/24', networkName: 'k2-registry', port: 27111, healthzPort: 27112 });
  });

  after(async () => {
    // Pods go first, so the kubelet removes their containers and pod directories.
    if (api) await deletePodsAndWait(api, NS).catch(() => undefined);
    await kubelet?.stop().catch(() => undefined);
    await cleanupNodeContainers(NODE).catch(() => undefined);
    api?.close();
    await cluster?.stop();
    await docker
      .getImage(IMAGE)
      .remove()
      .catch(() => undefined);
    await registry?.stop();
  });

  it('runs a pod whose pull secret has the right credentials', async () => {
    await api.create(SECRETS, pullSecret('k2-good', 'k2-right-password'));
    await api.create(PODS, podPulling('k2-pull-ok', 'k2-good'));
    const pod = await eventually(
      async () => {
        const p = await api.get<Pod>(PODS, NS, 'k2-pull-ok');
        assert.equal(p.status?.phase, 'Running', `${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}\n${kubelet!.logTail(20)}`);
        return p;
      },
      120_000,
      1000,
    );
    assert.equal(pod.status?.containerStatuses?.[0]?.image, IMAGE);
    const reasons = (await podEvents('k2-pull-ok')).map((e) => e.reason);
    assert.ok(reasons.includes('Pulling') && reasons.includes('Pulled'), reasons.join(','));
  });

  it('shows ErrImagePull then ImagePullBackOff with the registry answer for wrong credentials', async () => {
    await api.create(SECRETS, pullSecret('k2-bad', 'wrong-password'));
    await api.create(PODS, podPulling('k2-pull-denied', 'k2-bad'));
    const seen = new Set<string>();
    let backOffMessage = '';
    await eventually(
      async () => {
        const p = await api.get<Pod>(PODS, NS, 'k2-pull-denied');
        const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting?.reason) seen.add(waiting.reason);
        if (waiting?.reason === 'ImagePullBackOff') backOffMessage = waiting.message ?? '';
        assert.ok(seen.has('ImagePullBackOff'), `waiting reasons so far: ${[...seen].join(',')}`);
      },
      120_000,
      250,
    );
    assert.notEqual((await api.get<Pod>(PODS, NS, 'k2-pull-denied')).status?.phase, 'Running');
    const failed = (await podEvents('k2-pull-denied')).filter((e) => e.reason === 'Failed').map((e) => e.message ?? '');
    assert.ok(seen.has('ErrImagePull') || failed.includes('Error: ErrImagePull'), 'ErrImagePull came first');
    assert.ok(
      failed.some((m) => /unauthorized|authentication required|no basic auth credentials/i.test(m)),
      `Failed events: ${failed.join(' | ')}`,
    );
    assert.match(backOffMessage, /unauthorized|authentication required|no basic auth credentials/i, 'the back-off message says what the registry answered');
  });
});

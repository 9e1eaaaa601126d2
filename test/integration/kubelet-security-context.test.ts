/**
 * securityContext as the kubelet honours it on real Docker, seen from inside the containers (their
 * /proc/self/status, `id`, `stat`, /proc/sys) and from the pod's status and events; and pods/log
 * picking the container from the runtime, not from a status anyone with pods/status can forge.
 * Docker objects: skiff.node=k20-sec, network k20-sec; ports 20800-20899: etcd 20800.., apiserver 20840, kubelet 20850/20851.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { findResource, type Event, type Namespace, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '@skiff/kubelet';
import {
  apiRequest,
  cleanupNodeContainers,
  eventually,
  startKubelet,
  startTestCluster,
  waitForPodRunning,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'k20-sec';
const NS = 'sec';
const pods = findResource('', 'v1', 'pods')!;
const events = findResource('', 'v1', 'events')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const docker = new Docker();

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let api: RestClient;

const sleeper = (script: string) => ['sh', '-c', `${script}; exec sleep 3600`];

function createPod(name: string, spec: Omit<NonNullable<Pod['spec']>, 'containers'> & { containers: NonNullable<Pod['spec']>['containers'] }): Promise<Pod> {
  return api.create<Pod>(
    pods,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 0, ...spec },
    },
    { namespace: NS },
  );
}

/** GET pods/log through the apiserver (which proxies to the kubelet), as kubectl logs does. */
async function logs(pod: string, container: string): Promise<string> {
  const r = await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${NS}/pods/${pod}/log?container=${container}`);
  assert.equal(r.status, 200, r.body);
  return r.body;
}

async function logsOnceWritten(pod: string, container: string, want: RegExp): Promise<string> {
  return eventually(
    async () => {
      const out = await logs(pod, container);
      assert.match(out, want);
      return out;
    },
    60_000,
    500,
  );
}

describe('kubelet: securityContext', { timeout: 300_000 }, () => {
  before(async () => {
    await cleanupNodeContainers(NODE);
    await ensureBusyboxImage(docker, BUSYBOX_IMAGE);
    cluster = await startTestCluster({ basePort: 20800, apiServerPort: 20840, etcdMembers: 1, kubeletClientCert: true });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    // Privileged level: the kubelet, not admission, is under test here (an unsafe sysctl must reach it).
    await api.create<Namespace>(namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    });
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.208.20.0/24', networkName: NODE, port: 20850, healthzPort: 20851 });
    await createPod('secure', {
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 3000,
        supplementalGroups: [4000],
        fsGroup: 2000,
        seccompProfile: { type: 'RuntimeDefault' },
        sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '20000 30000' }],
      },
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [
        {
          name: 'dropped',
          image: BUSYBOX_IMAGE,
          command: sleeper('grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status'),
          securityContext: { runAsUser: 0, capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: false },
        },
        {
          name: 'plain',
          image: BUSYBOX_IMAGE,
          command: sleeper('grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status'),
          securityContext: { runAsUser: 0, seccompProfile: { type: 'Unconfined' } },
        },
        {
          name: 'ids',
          image: BUSYBOX_IMAGE,
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          command: sleeper(
            'id; stat -c "dir %g %a" /data; touch /data/f; stat -c "file %g" /data/f; echo "range $(cat /proc/sys/net/ipv4/ip_local_port_range)"',
          ),
        },
      ],
    });
    await createPod('rootimg', { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: sleeper('true') }] });
    await createPod('badsysctl', {
      securityContext: { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
      containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: sleeper('true') }],
    });
    await createPod('liar', { containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: sleeper('echo liar-output') }] });
  });

  after(async () => {
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    api?.close();
    await cluster?.stop();
  });

  it('drops every capability and sets no_new_privs; by default NET_RAW is gone; seccomp RuntimeDefault filters, Unconfined does not', async () => {
    await waitForPodRunning(api, NS, 'secure', kubelet);
    const dropped = await logsOnceWritten('secure', 'dropped', /NoNewPrivs/);
    assert.match(dropped, /^CapEff:\s+0000000000000000$/m);
    assert.match(dropped, /^NoNewPrivs:\s+1$/m);
    assert.match(dropped, /^Seccomp:\s+2$/m, 'SECCOMP_MODE_FILTER');
    const plain = await logsOnceWritten('secure', 'plain', /NoNewPrivs/);
    const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(plain)![1]}`);
    assert.notEqual(capEff, 0n, "root keeps Docker's default set");
    assert.equal(capEff & (1n << 13n), 0n, `CAP_NET_RAW (bit 13) must be clear: ${plain}`);
    assert.match(plain, /^NoNewPrivs:\s+0$/m);
    assert.match(plain, /^Seccomp:\s+0$/m, "the container's Unconfined wins over the pod's RuntimeDefault");
  });

  it('runs as runAsUser/runAsGroup with supplementalGroups and fsGroup; the emptyDir belongs to fsGroup; safe sysctls apply', async () => {
    const out = await logsOnceWritten('secure', 'ids', /range/);
    assert.match(out, /uid=1000 gid=3000 groups=.*\b2000\b.*\b4000\b/);
    assert.match(out, /^dir 2000 2777$/m);
    assert.match(out, /^file 2000$/m, 'setgid: new files inherit the group');
    assert.match(out, /^range 20000\s+30000$/m);
  });

  it('refuses runAsNonRoot with an image that runs as root: CreateContainerConfigError in status', async () => {
    const uid = (await api.get<Pod>(pods, NS, 'rootimg')).metadata!.uid;
    const waiting = await eventually(
      async () => {
        const p = await api.get<Pod>(pods, NS, 'rootimg');
        const w = p.status?.containerStatuses?.[0]?.state?.waiting;
        assert.equal(w?.reason, 'CreateContainerConfigError', JSON.stringify(p.status));
        return w!;
      },
      90_000,
      500,
    );
    assert.equal(waiting.message, `container has runAsNonRoot and image will run as root (pod: "rootimg_${NS}(${uid})", container: main)`);
    const running = await docker.listContainers({ filters: { label: [`skiff.node=${NODE}`, `io.kubernetes.pod.uid=${uid}`, 'skiff.sandbox=false'] } });
    assert.equal(running.length, 0, 'no container was created');
  });

  it('rejects a pod with an unsafe sysctl before anything runs: Failed, SysctlForbidden', async () => {
    const uid = (await api.get<Pod>(pods, NS, 'badsysctl')).metadata!.uid;
    await eventually(
      async () => {
        const list = await api.list<Event>(events, NS);
        const mine = list.items.filter((e) => e.involvedObject?.name === 'badsysctl').map((e) => `${e.reason}: ${e.message}`);
        assert.ok(
          mine.some((m) => m.includes('forbidden sysctl: "net.core.somaxconn" not allowlisted')),
          mine.join('\n'),
        );
      },
      90_000,
      500,
    );
    await eventually(
      async () => {
        const status = (await api.get<Pod>(pods, NS, 'badsysctl')).status;
        assert.equal(status?.phase, 'Failed', JSON.stringify(status));
        assert.equal(status?.reason, 'SysctlForbidden');
        assert.match(status?.message ?? '', /^Pod was rejected: forbidden sysctl: "net.core.somaxconn" not allowlisted/);
      },
      30_000,
      500,
    );
    const made = await docker.listContainers({ all: true, filters: { label: [`skiff.node=${NODE}`, `io.kubernetes.pod.uid=${uid}`] } });
    assert.equal(made.length, 0, 'neither sandbox nor container');
  });

  it("serves the logs of the pod asked for even when its status.containerID names another pod's container", async () => {
    await waitForPodRunning(api, NS, 'liar', kubelet);
    await logsOnceWritten('liar', 'main', /liar-output/);
    const victimId = (await waitForPodRunning(api, NS, 'secure', kubelet)).status!.containerStatuses!.find((c) => c.name === 'ids')!.containerID!;
    for (let round = 0; round < 3; round++) {
      const liar = await api.get<Pod>(pods, NS, 'liar');
      const forged = { ...liar, status: { ...liar.status, containerStatuses: liar.status!.containerStatuses!.map((c) => ({ ...c, containerID: victimId })) } };
      await api.update<Pod>(pods, forged, { subresource: 'status' }).catch(() => undefined);
      // Let the kubelet's informer see the forged status before asking.
      await new Promise((r) => setTimeout(r, 300));
      const out = await logs('liar', 'main');
      assert.match(out, /liar-output/);
      assert.doesNotMatch(out, /uid=1000/);
    }
  });
});

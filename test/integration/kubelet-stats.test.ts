/**
 * Resource usage as the HPA and `kubectl top` read it: a real kubelet on Docker samples its pods'
 * containers continuously, /stats/summary answers from those samples (CPU as a rate over the last
 * window, memory as the working set), and the apiserver's metrics.k8s.io turns them into
 * PodMetrics/NodeMetrics — only for pods that exist, filtered by label and name, and without
 * waiting on a kubelet that accepts connections but never answers.
 * Docker objects: skiff.node=h5-stats, network h5-stats; ports 20500.. (apiserver 20550), kubelet 20560/20561,
 * the silent "kubelet" 20562.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import Docker from 'dockerode';
import { findResource, type Node, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import {
  apiRequest,
  BUSYBOX_IMAGE,
  cleanupNodeContainers,
  ensureTestImages,
  eventually,
  kubectl,
  kubectlBinaries,
  startKubelet,
  startTestCluster,
  waitForPodRunning,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'h5-stats';
const SILENT_NODE = 'h5-silent';
const SILENT_PORT = 20562;
const pods = findResource('', 'v1', 'pods')!;
const nodes = findResource('', 'v1', 'nodes')!;

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let api: RestClient;
let silent: Server | undefined;
const held: Socket[] = [];

interface CpuMemory {
  cpu?: { time: string; usageNanoCores?: number };
  memory?: { time: string; workingSetBytes?: number };
}
interface Summary {
  node: { nodeName: string } & CpuMemory;
  pods: ({ podRef: { name: string; namespace: string; uid: string }; containers: ({ name: string } & CpuMemory)[] } & CpuMemory)[];
}

const get = (path: string) => apiRequest(cluster.admin, 'GET', path);

async function summary(): Promise<Summary> {
  const r = await get(`/api/v1/nodes/${NODE}/proxy/stats/summary`);
  assert.equal(r.status, 200, r.body);
  return r.json as Summary;
}

const podStats = (s: Summary, name: string) => s.pods.find((p) => p.podRef.name === name && p.podRef.namespace === 'default');
const millicores = (nanoCores: number | undefined) => Math.round((nanoCores ?? NaN) / 1e6);

/** Times `count` sequential GETs of `path` and prints them: timing goals live in bench/, not in assertions. */
async function printLatency(label: string, path: string, count = 5): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await get(path);
    times.push(performance.now() - t0);
    assert.equal(r.status, 200, r.body);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: median ${times[Math.floor(count / 2)]!.toFixed(1)} ms, max ${times[count - 1]!.toFixed(1)} ms over ${count} GETs of ${path}`);
}

function pod(name: string, command: string, labels: Record<string, string>, cpuLimit?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: BUSYBOX_IMAGE,
          command: ['sh', '-c', command],
          ...(cpuLimit ? { resources: { limits: { cpu: cpuLimit, memory: '64Mi' } } } : {}),
        },
      ],
    },
  };
}

describe('kubelet stats and metrics.k8s.io', { timeout: 300_000 }, () => {
  before(async () => {
    await cleanupNodeContainers(NODE);
    await ensureTestImages(new Docker());
    cluster = await startTestCluster({ basePort: 20500, apiServerPort: 20550, etcdMembers: 1, kubeletClientCert: true });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.205.1.0/24', networkName: NODE, port: 20560, healthzPort: 20561 });
    await api.create(pods, pod('burner', 'while :; do :; done', { app: 'burner' }, '200m'), { namespace: 'default' });
    await api.create(pods, pod('idler', 'sleep 3600', { app: 'idler' }), { namespace: 'default' });
    await waitForPodRunning(api, 'default', 'burner', kubelet);
    await waitForPodRunning(api, 'default', 'idler', kubelet);
  });

  after(async () => {
    for (const s of held) s.destroy();
    silent?.close();
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    api?.close();
    await cluster?.stop();
  });

  it('/stats/summary shows the CPU-bound pod near its 200m limit and the idle pod near 0, with the time of the sample', async () => {
    const s = await eventually(
      async () => {
        const s = await summary();
        const burner = podStats(s, 'burner');
        const idler = podStats(s, 'idler');
        assert.ok(burner && idler, `pods missing from the summary: ${JSON.stringify(s.pods.map((p) => p.podRef.name))}`);
        const used = millicores(burner.containers[0]?.cpu?.usageNanoCores);
        assert.ok(used >= 120 && used <= 260, `burner uses ${used}m, expected 120m-260m`);
        assert.ok(millicores(idler.containers[0]?.cpu?.usageNanoCores) <= 20, `idler uses ${JSON.stringify(idler.containers[0]?.cpu)}`);
        return s;
      },
      60_000,
      1000,
    );
    const burner = podStats(s, 'burner')!;
    const container = burner.containers[0]!;
    assert.equal(container.name, 'main');
    assert.ok(Number.isFinite(Date.parse(container.cpu!.time)), `cpu.time ${container.cpu!.time}`);
    assert.ok(container.memory!.workingSetBytes! > 0, 'no working set');
    // The pod's figures are its containers' sums.
    assert.equal(burner.cpu?.usageNanoCores, container.cpu?.usageNanoCores);
    assert.equal(burner.memory?.workingSetBytes, container.memory?.workingSetBytes);
    assert.equal(s.node.nodeName, NODE);
    assert.ok(s.node.cpu!.usageNanoCores! >= 100e6, `the node's CPU ${s.node.cpu!.usageNanoCores} leaves out the burner`);
    await printLatency('kubelet /stats/summary through the apiserver', `/api/v1/nodes/${NODE}/proxy/stats/summary`);
  });

  it('metrics.k8s.io answers PodMetrics with timestamp and window, filtered by labelSelector and fieldSelector', async () => {
    const all = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(all.status, 200, all.body);
    assert.equal(all.json.kind, 'PodMetricsList');
    assert.deepEqual(all.json.items.map((i: Pod) => i.metadata!.name).sort(), ['burner', 'idler']);
    const burner = all.json.items.find((i: Pod) => i.metadata!.name === 'burner');
    assert.equal(burner.window, '15s');
    assert.ok(Number.isFinite(Date.parse(burner.timestamp)), burner.timestamp);
    assert.deepEqual(burner.metadata.labels, { app: 'burner' });
    assert.equal(burner.containers[0].name, 'main');
    const cpu = Number(/^(\d+)n$/.exec(burner.containers[0].usage.cpu)?.[1]);
    assert.ok(cpu >= 120e6 && cpu <= 260e6, burner.containers[0].usage.cpu);
    assert.match(burner.containers[0].usage.memory, /^\d+Ki$/);

    const bySelector = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Didler');
    assert.deepEqual(
      bySelector.json.items.map((i: Pod) => i.metadata!.name),
      ['idler'],
    );
    const byName = await get('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3Dburner');
    assert.deepEqual(
      byName.json.items.map((i: Pod) => i.metadata!.name),
      ['burner'],
    );
    const one = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/idler');
    assert.equal(one.status, 200, one.body);
    assert.equal(one.json.kind, 'PodMetrics');
    // As metrics-server: no such pod is the pods' own NotFound; a pod without metrics (never scheduled) is podmetrics'.
    const missing = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nobody');
    assert.equal(missing.status, 404, missing.body);
    assert.equal(missing.json.message, 'pods "nobody" not found');
    await api.create(pods, { ...pod('pending', 'sleep 1', {}), spec: { containers: [{ name: 'main', image: BUSYBOX_IMAGE }] } }, { namespace: 'default' });
    const pending = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/pending');
    assert.equal(pending.status, 404, pending.body);
    assert.equal(pending.json.message, 'podmetrics.metrics.k8s.io "default/pending" not found');
    await api.delete(pods, 'default', 'pending', { gracePeriodSeconds: 0 });

    const node = await get(`/apis/metrics.k8s.io/v1beta1/nodes/${NODE}`);
    assert.equal(node.status, 200, node.body);
    assert.equal(node.json.kind, 'NodeMetrics');
    assert.equal(node.json.window, '15s');
    await printLatency('metrics.k8s.io pods', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
  });

  it('kubectl top pod (1.20 and the newest) lists both pods through the apiserver, -l narrows it', async () => {
    for (const bin of await kubectlBinaries()) {
      const opts = { kubeconfig: cluster.kubeconfigPath, timeoutMs: 60_000 };
      const top = await kubectl(bin, ['top', 'pod'], opts);
      assert.equal(top.code, 0, `${bin.name}: ${top.stderr}`);
      assert.match(top.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/, bin.name);
      const burner = /^burner\s+(\d+)m\s+\d+Mi\s*$/m.exec(top.stdout);
      assert.ok(burner && Number(burner[1]) >= 120 && Number(burner[1]) <= 260, `${bin.name}: ${top.stdout}`);
      assert.match(top.stdout, /^idler\s+\d+m\s+\d+Mi\s*$/m, bin.name);
      const narrowed = await kubectl(bin, ['top', 'pod', '-l', 'app=idler'], opts);
      assert.equal(narrowed.code, 0, `${bin.name}: ${narrowed.stderr}`);
      assert.doesNotMatch(narrowed.stdout, /burner/, bin.name);
      assert.match(narrowed.stdout, /^idler\s/m, bin.name);
    }
  });

  it('a kubelet that accepts but never answers costs its own node, not `kubectl top node`', async () => {
    // A Ready Node whose "kubelet" holds every connection open without a word, like a hung node.
    silent = createServer((socket) => {
      held.push(socket);
    });
    await new Promise<void>((resolve) => silent!.listen(SILENT_PORT, '127.0.0.1', resolve));
    await api.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: SILENT_NODE } } as Node);
    await api.patch(
      nodes,
      undefined,
      SILENT_NODE,
      'merge',
      {
        status: {
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: SILENT_PORT } },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      },
      { subresource: 'status' },
    );
    const t0 = performance.now();
    const list = await get('/apis/metrics.k8s.io/v1beta1/nodes');
    console.log(`metrics.k8s.io nodes with one silent kubelet: ${(performance.now() - t0).toFixed(0)} ms (the silent one is given up on)`);
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(
      list.json.items.map((n: Node) => n.metadata!.name),
      [NODE],
    );
    for (const bin of await kubectlBinaries()) {
      const top = await kubectl(bin, ['top', 'node'], { kubeconfig: cluster.kubeconfigPath, timeoutMs: 60_000 });
      assert.equal(top.code, 0, `${bin.name}: ${top.stderr}`);
      assert.match(top.stdout, new RegExp(`^${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'), `${bin.name}: ${top.stdout}`);
    }
    await api.delete(nodes, undefined, SILENT_NODE);
  });

  it('a deleted pod leaves the summary and metrics.k8s.io', async () => {
    await api.delete(pods, 'default', 'idler', { gracePeriodSeconds: 0 });
    await eventually(
      async () => {
        assert.equal(podStats(await summary(), 'idler'), undefined, 'idler still in the summary');
      },
      60_000,
      1000,
    );
    const left = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.deepEqual(
      left.json.items.map((i: Pod) => i.metadata!.name),
      ['burner'],
    );
  });
});

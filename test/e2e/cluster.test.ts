/**
 * The whole product on a 3-node lab (issue #7 §4): deploy the example app, reach it every way a user
 * would, scale it, roll it forward and back under load, lose a node, restart every kind of component,
 * and break it on purpose. Each step asserts what `kubectl` / `curl` would show. Steps build on each
 * other, so they run in order; the lab is removed in after() whatever happened.
 * Needs root and Docker (./skiff test provides both). SKIFF_TEST_KEEP=1 keeps the lab's logs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod, Service } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { kubectlBinaries, REPO_ROOT, type KubectlBinary } from '../harness/index.ts';
import { startLab, type Lab } from '../harness/lab.ts';
import { NODES, PODS, SERVICES, isNodeReady, isPodReady, kubectlOk, livePods, listPods, waitFor, waitForReadyReplicas } from './cluster-checks.ts';
import { httpGet, startLoad, type LoadReport } from './http-load.ts';

const WEB = 'app=web';
const NODE_PORT = 30080;
const EXAMPLE = readFileSync(join(REPO_ROOT, 'deploy/examples/web.yaml'), 'utf8');
const CLIENT_POD = `apiVersion: v1
kind: Pod
metadata: { name: client, labels: { app: client } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: client
      image: skiff/busybox:test
      imagePullPolicy: IfNotPresent
      command: ["sleep", "3600"]
`;

const runAsRoot = process.getuid?.() === 0;

describe('a 3-node lab cluster, as a user sees it', { skip: runAsRoot ? false : 'needs root (netns, iptables, dockerd)', timeout: 15 * 60_000 }, () => {
  let lab: Lab;
  let client: RestClient;
  let bin: KubectlBinary;

  const kc = (args: string[], stdin?: string, timeoutMs?: number) => kubectlOk(bin, lab.kubeconfigPath, args, stdin, timeoutMs);
  const nodeUrls = () => lab.nodes.map((n) => `http://${n.ip}:${NODE_PORT}/`);
  const reportLoad = (what: string, r: LoadReport) => {
    const bodies = [...r.bodies].map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`# ${what}: ${r.requests} requests, ${r.failed} failed (${bodies})${r.failures.length ? `\n#   ${r.failures.join('\n#   ')}` : ''}`);
  };

  before(async () => {
    const started = Date.now();
    lab = await startLab({ nodes: 3, slot: 0 });
    client = RestClient.fromKubeconfig(lab.kubeconfigPath, { timeoutMs: 15_000 });
    bin = (await kubectlBinaries()).at(-1)!;
    console.log(`# lab up in ${((Date.now() - started) / 1000).toFixed(0)} s: ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  });

  after(async () => {
    client?.close();
    await lab?.stop();
  });

  it('runs the example: 3 pods Running, spread over the nodes', async () => {
    await kc(['apply', '-f', '-'], EXAMPLE);
    const pods = await waitForReadyReplicas(client, WEB, 'web', 3);
    const nodes = new Set(pods.map((p) => p.spec?.nodeName));
    console.log(`# web pods on: ${pods.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}`).join(', ')}`);
    assert.ok(nodes.size >= 2, `3 replicas should not all land on one node: ${[...nodes].join(', ')}`);
    const out = await kc(['get', 'pods', '-l', WEB, '-o', 'wide']);
    assert.equal((out.match(/Running/g) ?? []).length, 3, out);
  });

  it('serves HTTP via the ClusterIP and the DNS name from a pod, and via the NodePort on every node', async () => {
    await kc(['apply', '-f', '-'], CLIENT_POD);
    await waitFor('client pod Ready', async () => {
      const [pod] = await listPods(client, 'app=client');
      return pod && isPodReady(pod) ? undefined : `phase ${pod?.status?.phase ?? 'none'}`;
    });
    const [clientPod] = await listPods(client, 'app=client');
    const node = clientPod!.spec!.nodeName!;
    const svc = await client.get<Service>(SERVICES, 'default', 'web');
    const fromPod = async (url: string) => {
      const r = await lab.exec(node, { pod: 'client' }, ['timeout', '5', 'wget', '-qO-', url]);
      assert.equal(r.exitCode, 0, `wget ${url} from the client pod: ${r.output}`);
      assert.match(r.output, /skiff web v1 on web-/);
    };
    await waitFor(
      'the ClusterIP answering from a pod',
      async () => {
        await fromPod(`http://${svc.spec!.clusterIP}/`);
        return undefined;
      },
      60_000,
    );
    await waitFor(
      'the DNS name answering from a pod',
      async () => {
        await fromPod('http://web.default.svc.cluster.local/');
        await fromPod('http://web/');
        return undefined;
      },
      60_000,
    );
    for (const url of nodeUrls()) {
      await waitFor(
        `NodePort ${url}`,
        async () => {
          const r = await httpGet(url);
          return r.status === 200 && /skiff web v1/.test(r.body) ? undefined : `HTTP ${r.status}: ${r.body}`;
        },
        60_000,
      );
    }
  });

  it('scales 3 → 5 → 2 with the endpoints following', async () => {
    await kc(['scale', 'deployment/web', '--replicas=5']);
    await waitForReadyReplicas(client, WEB, 'web', 5);
    await kc(['scale', 'deployment/web', '--replicas=2']);
    await waitForReadyReplicas(client, WEB, 'web', 2);
    await kc(['scale', 'deployment/web', '--replicas=3']);
    await waitForReadyReplicas(client, WEB, 'web', 3);
  });

  it('rolls out v2 and back under load through the NodePort with zero failed requests', async () => {
    for (const [image, version] of [
      ['skiff/web:v2', 'skiff web v2'],
      ['undo', 'skiff web v1'],
    ] as const) {
      const load = startLoad(nodeUrls());
      await new Promise((r) => setTimeout(r, 1000));
      if (image === 'undo') await kc(['rollout', 'undo', 'deployment/web']);
      else await kc(['set', 'image', 'deployment/web', `web=${image}`]);
      await kc(['rollout', 'status', 'deployment/web', '--timeout=240s'], undefined, 250_000);
      await waitForReadyReplicas(client, WEB, 'web', 3);
      await new Promise((r) => setTimeout(r, 2000));
      const report = await load.stop();
      reportLoad(image === 'undo' ? 'rollout undo' : `rollout to ${image}`, report);
      assert.ok(report.requests > 50, 'the load generator made requests');
      assert.equal(report.failed, 0, `failed requests during the rollout: ${report.failures.join('; ')}`);
      const after = await httpGet(nodeUrls()[0]!);
      assert.match(after.body, new RegExp(version));
    }
  });

  it('replaces the pods of a lost node, and cleans up when the node comes back', async () => {
    const pods = await livePods(client, WEB);
    const victim = pods[0]!.spec!.nodeName!;
    const lostPods = new Set(pods.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata!.name!));
    const started = Date.now();
    await lab.stopNode(victim);
    await waitFor(`${victim} NotReady`, async () => {
      const node = (await client.list<import('@skiff/api').Node>(NODES)).items.find((n) => n.metadata?.name === victim);
      return node && !isNodeReady(node) ? undefined : 'still Ready';
    });
    await waitFor(
      '3 Ready web pods off the lost node',
      async () => {
        const live = (await livePods(client, WEB)).filter((p) => p.spec?.nodeName !== victim && isPodReady(p));
        return live.length >= 3 ? undefined : `${live.length} ready elsewhere`;
      },
      180_000,
    );
    console.log(`# node ${victim} lost: all 3 replicas Ready elsewhere after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    await lab.startNode(victim);
    await lab.waitForNodesReady([victim], 120_000);
    // The pods that were on it were deleted (replaced elsewhere): none of their containers may linger.
    const docker = lab.docker(victim);
    await waitFor(
      `stale containers removed from ${victim}`,
      async () => {
        const bound = new Set((await listPods(client, '', 'default')).filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata!.name!));
        const containers = await docker.listContainers({ all: true });
        const stale = containers.filter((c) => {
          const pod = c.Labels['io.kubernetes.pod.name'];
          return pod !== undefined && lostPods.has(pod) && !bound.has(pod);
        });
        return stale.length === 0 ? undefined : `${stale.length} containers of deleted pods: ${stale.map((c) => c.Names[0]).join(', ')}`;
      },
      120_000,
    );
    await waitForReadyReplicas(client, WEB, 'web', 3);
  });

  it('survives restarts and crashes: an agent (no container restarts), a server, the leading server killed, an agent killed, an etcd member', async () => {
    // An agent (kubelet, kube-proxy, dns): its pods' containers keep running, untouched.
    const before = await livePods(client, WEB);
    const node = before[0]!.spec!.nodeName!;
    const containerIds = (pods: Pod[]) =>
      pods
        .filter((p) => p.spec?.nodeName === node)
        .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => `${p.metadata?.name}/${c.containerID}/${c.restartCount}`))
        .sort();
    const idsBefore = containerIds(before);
    await lab.restartComponent('agent', node);
    await lab.waitForNodesReady([node], 60_000);
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual(containerIds(await livePods(client, WEB)), idsBefore, 'an agent restart must not restart containers');

    // One server down (its apiserver, controller-manager and scheduler): the other serves reads and writes through the balancer.
    await lab.stopComponent('server-0');
    try {
      await kc(['annotate', '--overwrite', 'deployment/web', 'e2e/server-down=yes']);
      assert.equal((await livePods(client, WEB)).length, 3);
    } finally {
      await lab.startComponent('server-0');
    }

    // kill -9 of the server whose controller-manager leads: the other takes the lease once it expires,
    // and a deleted pod is replaced; the killed server comes back (as systemd would start it).
    let leader = '';
    await waitFor(
      'a controller-manager leader',
      async () => ((leader = (await lab.leaderServer('controller-manager')) ?? '') ? undefined : 'no server reports the lease'),
      60_000,
    );
    await lab.killComponent(leader);
    try {
      // Connections through the balancer to the killed apiserver break mid-handshake: a client retries, as kubectl does.
      await waitFor(
        'a pod deleted through the surviving apiserver',
        async () => {
          const [pod] = await livePods(client, WEB);
          await kc(['delete', 'pod', pod!.metadata!.name!, '--wait=false']);
          return undefined;
        },
        30_000,
        1000,
      );
      await waitForReadyReplicas(client, WEB, 'web', 3);
      let next = '';
      await waitFor(
        'a new leader',
        async () => ((next = (await lab.leaderServer('controller-manager')) ?? '') ? undefined : 'no server reports the lease'),
        60_000,
      );
      assert.notEqual(next, leader);
      console.log(`# ${leader} (the controller-manager leader) killed: ${next} took over and a pod was replaced`);
    } finally {
      await lab.startComponent(leader);
    }

    // kill -9 of an agent: its containers live on; started again, it adopts them and the node stays Ready.
    const agentPid = await lab.killComponent('agent', node);
    assert.ok(agentPid, `the agent of ${node} was running`);
    await lab.startComponent('agent', node);
    await lab.waitForNodesReady([node], 60_000);
    await waitForReadyReplicas(client, WEB, 'web', 3);

    // One etcd member of three down: writes go on.
    await lab.stopComponent('etcd-1');
    try {
      await kc(['annotate', '--overwrite', 'deployment/web', 'e2e/etcd-member-down=yes']);
      await kc(['scale', 'deployment/web', '--replicas=4']);
      await waitForReadyReplicas(client, WEB, 'web', 4);
      await kc(['scale', 'deployment/web', '--replicas=3']);
      await waitForReadyReplicas(client, WEB, 'web', 3);
    } finally {
      await lab.startComponent('etcd-1');
    }
  });

  it('heals itself: a killed app container is restarted, a deleted pod is replaced', async () => {
    const [pod] = (await livePods(client, WEB)).filter(isPodReady);
    const name = pod!.metadata!.name!;
    const node = pod!.spec!.nodeName!;
    const restarts = pod!.status?.containerStatuses?.[0]?.restartCount ?? 0;
    const docker = lab.docker(node);
    const [container] = await docker.listContainers({
      filters: JSON.stringify({ label: [`io.kubernetes.pod.name=${name}`, 'io.kubernetes.container.name=web'] }),
    });
    assert.ok(container, `the web container of ${name} on ${node}`);
    await docker.getContainer(container.Id).kill();
    await waitFor(`${name} restarted and Ready`, async () => {
      const now = await client.get<Pod>(PODS, 'default', name);
      const count = now.status?.containerStatuses?.[0]?.restartCount ?? 0;
      return count > restarts && isPodReady(now) ? undefined : `restartCount ${count}, ready ${isPodReady(now)}`;
    });

    await kc(['delete', 'pod', name, '--wait=false']);
    await waitFor(`a replacement for ${name}`, async () => {
      const live = (await livePods(client, WEB)).filter(isPodReady);
      return live.length === 3 && !live.some((p) => p.metadata?.name === name) ? undefined : `${live.map((p) => p.metadata?.name).join(', ')}`;
    });
    await waitForReadyReplicas(client, WEB, 'web', 3);
  });
});

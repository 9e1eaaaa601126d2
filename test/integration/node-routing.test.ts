/**
 * Pod routing across nodes (host-gw), with real kube-proxy processes: two "nodes" are network
 * namespaces k6-a and k6-b on a bridge (in a third namespace, k6-sw, so the host's own iptables
 * never see the frames), each with a "pod" namespace behind a node-local bridge on its pod CIDR.
 * Node A imitates Docker (FORWARD policy DROP, a DOCKER-USER chain), node B has only FORWARD DROP.
 * kube-proxy (--ip-netns) against a real apiserver with Node objects programs routes and rules:
 * pod A reaches pod B by pod IP and B sees A's pod IP; traffic leaving the cluster CIDR is
 * masqueraded; a deleted Node's route goes; --cleanup leaves no route with proto 211 and no
 * SKIFF- rule, and leaves routes and chains that are not ours alone. Needs root.
 * Names k6-*, addresses 10.206.0.0/16 (cluster CIDR 10.206.0.0/17, node links 10.206.255.0/24),
 * ports 27600–27699.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addBridge,
  addNetns,
  addVeth,
  apiRequest,
  canUseNetns,
  deleteNetns,
  eventually,
  execInNetns,
  fetchFrom,
  inNetns,
  REPO_ROOT,
  startHttpServerIn,
  startTestCluster,
  type TestCluster,
} from '../harness/index.ts';

const CLUSTER_CIDR = '10.206.0.0/17';
const SWITCH_NS = 'k6-sw';
const NODES = [
  { name: 'k6-a', ip: '10.206.255.11', podCIDR: '10.206.1.0/24', gateway: '10.206.1.1', pod: { ns: 'k6-pa', ip: '10.206.1.2' } },
  { name: 'k6-b', ip: '10.206.255.12', podCIDR: '10.206.2.0/24', gateway: '10.206.2.1', pod: { ns: 'k6-pb', ip: '10.206.2.2' } },
];
/** A Node object with no machine behind it: only its route matters. */
const GHOST = { name: 'k6-c', ip: '10.206.255.13', podCIDR: '10.206.3.0/24' };
/** Not ours (proto static): must survive every sync and the cleanup. */
const FOREIGN_ROUTE = '10.206.200.0/24';
const POD_PORT = 8080;
const NODE_PORT = 8081;
const KUBE_PROXY = join(REPO_ROOT, 'apps/kube-proxy/src/main.ts');

const canRun = canUseNetns();

const iptablesSave = (ns: string) => execInNetns(ns, 'iptables-save');
const ourRoutes = (ns: string) => inNetns(ns, '-4', 'route', 'show', 'proto', '211').trim();
const allNamespaces = () => [SWITCH_NS, ...NODES.flatMap((n) => [n.name, n.pod.ns])];

function buildTopology(): void {
  deleteNetns(...allNamespaces());
  addNetns(SWITCH_NS);
  addBridge(SWITCH_NS, 'br0');
  for (const [i, node] of NODES.entries()) {
    addNetns(node.name);
    addVeth({ ns: SWITCH_NS, hostIf: `port${i}`, bridge: 'br0', peerNs: node.name, peerAddress: `${node.ip}/24` });
    // The node-local pod bridge (the kubelet's Docker network) and one pod on it.
    addBridge(node.name, 'cbr0', `${node.gateway}/24`);
    addNetns(node.pod.ns);
    addVeth({ ns: node.name, hostIf: 'vpod', bridge: 'cbr0', peerNs: node.pod.ns, peerAddress: `${node.pod.ip}/24`, gateway: node.gateway });
  }
  const nft = (ns: string, ...args: string[]) => execInNetns(ns, 'iptables', '-w', ...args);
  // Node A as Docker leaves it; node B a plain host with a closed FORWARD policy.
  nft('k6-a', '-P', 'FORWARD', 'DROP');
  nft('k6-a', '-N', 'DOCKER-USER');
  nft('k6-a', '-A', 'DOCKER-USER', '-j', 'RETURN');
  nft('k6-a', '-A', 'FORWARD', '-j', 'DOCKER-USER');
  nft('k6-b', '-P', 'FORWARD', 'DROP');
  inNetns('k6-a', 'route', 'add', FOREIGN_ROUTE, 'via', '10.206.255.99', 'proto', 'static');
  // Somewhere for ClusterIPs without endpoints to be routed to (nobody answers there).
  inNetns('k6-a', 'route', 'add', 'default', 'via', '10.206.255.254');
}

function nodeObject(n: { name: string; ip: string; podCIDR: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
    },
  };
}

describe('host-gw pod routing between two node namespaces', { skip: canRun ? false : 'needs root and ip netns' }, () => {
  let cluster: TestCluster;
  let logDir: string;
  const servers: ChildProcess[] = [];
  const proxies: ChildProcess[] = [];

  async function createNode(n: { name: string; ip: string; podCIDR: string }): Promise<void> {
    const created = await apiRequest(cluster.admin, 'POST', '/api/v1/nodes', { body: nodeObject(n) });
    assert.equal(created.status, 201, created.body);
    // Status may be dropped on create: write it through the status subresource as a kubelet would.
    const status = await apiRequest(cluster.admin, 'PUT', `/api/v1/nodes/${n.name}/status`, { body: { ...created.json, status: nodeObject(n).status } });
    assert.equal(status.status, 200, status.body);
  }

  function startProxy(node: string): ChildProcess {
    const child = spawn(
      process.execPath,
      [
        KUBE_PROXY,
        `--kubeconfig=${cluster.kubeconfigPath}`,
        `--node-name=${node}`,
        `--cluster-cidr=${CLUSTER_CIDR}`,
        `--ip-netns=${node}`,
        '--metrics-port=0',
        '--min-sync-period-ms=200',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = createWriteStream(join(logDir, `kube-proxy-${node}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return child;
  }

  before(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'k6-node-routing-'));
    buildTopology();
    cluster = await startTestCluster({ basePort: 27600, apiServerPort: 27650 });
    for (const n of [...NODES, GHOST]) await createNode(n);
    servers.push(await startHttpServerIn('k6-pb', POD_PORT), await startHttpServerIn('k6-b', NODE_PORT));
  });

  after(async () => {
    for (const p of [...proxies, ...servers]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    // Leave nothing behind even when an assertion failed half-way.
    for (const n of NODES) spawnSync(process.execPath, [KUBE_PROXY, '--cleanup', `--ip-netns=${n.name}`]);
    deleteNetns(...allNamespaces());
    await cluster?.stop();
    if (!process.env.SKIFF_TEST_KEEP) rmSync(logDir, { recursive: true, force: true });
  });

  it('without kube-proxy, pod A cannot reach pod B', () => {
    assert.match(fetchFrom('k6-pa', NODES[1]!.pod.ip, POD_PORT), /^error:/);
  });

  it("kube-proxy routes every other node's pod CIDR via its address, with forwarding on", async () => {
    for (const n of NODES) proxies.push(startProxy(n.name));
    await eventually(
      async () => {
        assert.deepEqual(
          ourRoutes('k6-a')
            .split('\n')
            .map((l) => l.trim()),
          ['10.206.2.0/24 via 10.206.255.12 dev eth0', '10.206.3.0/24 via 10.206.255.13 dev eth0'],
        );
      },
      90_000,
      500,
    );
    await eventually(
      async () => {
        assert.deepEqual(
          ourRoutes('k6-b')
            .split('\n')
            .map((l) => l.trim()),
          ['10.206.1.0/24 via 10.206.255.11 dev eth0', '10.206.3.0/24 via 10.206.255.13 dev eth0'],
        );
      },
      90_000,
      500,
    );
    for (const n of NODES) assert.equal(execInNetns(n.name, 'cat', '/proc/sys/net/ipv4/ip_forward').trim(), '1');
  });

  it('puts the forwarding accepts in DOCKER-USER where Docker made it, else in FORWARD', async () => {
    await eventually(
      async () => {
        const a = iptablesSave('k6-a');
        assert.match(a, /^-A DOCKER-USER -m comment --comment "skiff forwarding rules" -j SKIFF-FORWARD$/m);
        assert.doesNotMatch(a, /^-A FORWARD .*-j SKIFF-FORWARD$/m);
        assert.match(iptablesSave('k6-b'), /^-A FORWARD -m comment --comment "skiff forwarding rules" -j SKIFF-FORWARD$/m);
      },
      60_000,
      500,
    );
  });

  it("pod A reaches pod B by pod IP, and B sees A's pod IP", async () => {
    const answer = await eventually(
      async () => {
        const r = fetchFrom('k6-pa', NODES[1]!.pod.ip, POD_PORT);
        assert.match(r, /^body:/);
        return r;
      },
      60_000,
      500,
    );
    assert.equal(answer, `body:${NODES[0]!.pod.ip}`);
  });

  it('traffic from a pod to outside the cluster CIDR leaves as its node', () => {
    assert.equal(fetchFrom('k6-pa', NODES[1]!.ip, NODE_PORT), `body:${NODES[0]!.ip}`);
  });

  it("a pod reaching a service without endpoints is refused at once, even behind Docker's accepts", async () => {
    const created = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/default/services', {
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'empty' },
        spec: { selector: { app: 'nobody' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    });
    assert.equal(created.status, 201, created.body);
    const ip = created.json.spec.clusterIP as string;
    await eventually(async () => assert.match(iptablesSave('k6-a'), new RegExp(`-d ${ip.replaceAll('.', '\\.')}/32 .*-j REJECT`)), 60_000, 500);
    // As a Docker restart does: its jump to DOCKER-USER goes back to the top of FORWARD.
    execInNetns('k6-a', 'iptables', '-w', '-D', 'FORWARD', '-j', 'DOCKER-USER');
    execInNetns('k6-a', 'iptables', '-w', '-I', 'FORWARD', '-j', 'DOCKER-USER');
    assert.equal(fetchFrom('k6-pa', ip, 80), 'error:ECONNREFUSED');
  });

  it("a deleted Node's route goes; routes that are not ours stay", async () => {
    const del = await apiRequest(cluster.admin, 'DELETE', `/api/v1/nodes/${GHOST.name}`);
    assert.ok(del.status === 200 || del.status === 202, del.body);
    for (const n of NODES) {
      await eventually(async () => assert.doesNotMatch(ourRoutes(n.name), /10\.206\.3\.0/), 60_000, 500);
    }
    assert.match(ourRoutes('k6-a'), /^10\.206\.2\.0\/24 via 10\.206\.255\.12/);
    assert.match(inNetns('k6-a', 'route', 'show', FOREIGN_ROUTE), /via 10\.206\.255\.99/);
  });

  it('--cleanup removes every route with proto 211 and every SKIFF- rule, nothing else', async () => {
    for (const p of proxies) p.kill('SIGTERM');
    await Promise.all(proxies.map((p) => (p.exitCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)))));
    for (const n of NODES) {
      const r = spawnSync(process.execPath, [KUBE_PROXY, '--cleanup', `--ip-netns=${n.name}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(ourRoutes(n.name), '');
      assert.doesNotMatch(iptablesSave(n.name), /SKIFF|skiff/);
    }
    assert.match(inNetns('k6-a', 'route', 'show', FOREIGN_ROUTE), /via 10\.206\.255\.99/);
    assert.match(iptablesSave('k6-a'), /^-A DOCKER-USER -j RETURN$/m);
    assert.match(fetchFrom('k6-pa', NODES[1]!.pod.ip, POD_PORT), /^error:/, 'without the routes pod B is unreachable again');
  });
});

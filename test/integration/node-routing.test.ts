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
import { apiRequest, eventually, REPO_ROOT, startTestCluster, type TestCluster } from '../harness/index.ts';

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

const canRun = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;

function sh(args: string[], allowFail = false): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const inNs = (ns: string, ...args: string[]) => sh(['ip', '-n', ns, ...args]);
const iptablesSave = (ns: string) => sh(['ip', 'netns', 'exec', ns, 'iptables-save']);
const ourRoutes = (ns: string) => inNs(ns, '-4', 'route', 'show', 'proto', '211').trim();

function deleteNamespaces(): void {
  for (const ns of [SWITCH_NS, ...NODES.flatMap((n) => [n.name, n.pod.ns])]) sh(['ip', 'netns', 'del', ns], true);
}

function buildTopology(): void {
  deleteNamespaces();
  sh(['ip', 'netns', 'add', SWITCH_NS]);
  inNs(SWITCH_NS, 'link', 'add', 'br0', 'type', 'bridge');
  inNs(SWITCH_NS, 'link', 'set', 'br0', 'up');
  for (const [i, node] of NODES.entries()) {
    sh(['ip', 'netns', 'add', node.name]);
    inNs(node.name, 'link', 'set', 'lo', 'up');
    inNs(SWITCH_NS, 'link', 'add', `port${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.name);
    inNs(SWITCH_NS, 'link', 'set', `port${i}`, 'master', 'br0', 'up');
    inNs(node.name, 'addr', 'add', `${node.ip}/24`, 'dev', 'eth0');
    inNs(node.name, 'link', 'set', 'eth0', 'up');
    // The node-local pod bridge (the kubelet's Docker network) and one pod on it.
    inNs(node.name, 'link', 'add', 'cbr0', 'type', 'bridge');
    inNs(node.name, 'addr', 'add', `${node.gateway}/24`, 'dev', 'cbr0');
    inNs(node.name, 'link', 'set', 'cbr0', 'up');
    sh(['ip', 'netns', 'add', node.pod.ns]);
    inNs(node.name, 'link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.pod.ns);
    inNs(node.name, 'link', 'set', 'vpod', 'master', 'cbr0', 'up');
    inNs(node.pod.ns, 'link', 'set', 'lo', 'up');
    inNs(node.pod.ns, 'addr', 'add', `${node.pod.ip}/24`, 'dev', 'eth0');
    inNs(node.pod.ns, 'link', 'set', 'eth0', 'up');
    inNs(node.pod.ns, 'route', 'add', 'default', 'via', node.gateway);
  }
  const nft = (ns: string, ...args: string[]) => sh(['ip', 'netns', 'exec', ns, 'iptables', '-w', ...args]);
  // Node A as Docker leaves it; node B a plain host with a closed FORWARD policy.
  nft('k6-a', '-P', 'FORWARD', 'DROP');
  nft('k6-a', '-N', 'DOCKER-USER');
  nft('k6-a', '-A', 'DOCKER-USER', '-j', 'RETURN');
  nft('k6-a', '-A', 'FORWARD', '-j', 'DOCKER-USER');
  nft('k6-b', '-P', 'FORWARD', 'DROP');
  inNs('k6-a', 'route', 'add', FOREIGN_ROUTE, 'via', '10.206.255.99', 'proto', 'static');
  // Somewhere for ClusterIPs without endpoints to be routed to (nobody answers there).
  inNs('k6-a', 'route', 'add', 'default', 'via', '10.206.255.254');
}

/** An HTTP server in a namespace answering with the client address it sees. */
function startEchoServer(ns: string, port: number): Promise<ChildProcess> {
  const script = `require('node:http').createServer((q, s) => s.end(q.socket.remoteAddress.replace(/^::ffff:/, ''))).listen(${port}, '0.0.0.0', () => console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${ns} did not start`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`server in ${ns} exited ${code}`)));
  });
}

/** One GET from inside `ns`: the body, or the error code. */
function fetchFrom(ns: string, host: string, port: number): string {
  const script = `require('node:http').get({ host: ${JSON.stringify(host)}, port: ${port}, agent: false, timeout: 3000 }, (res) => {
      let b = ''; res.on('data', (d) => b += d); res.on('end', () => console.log('body:' + b));
    }).on('timeout', function () { this.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })); })
      .on('error', (e) => console.log('error:' + (e.code ?? e.message)));`;
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return r.stdout.trim();
}

function nodeObject(n: { name: string; ip: string; podCIDR: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }] },
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
    const child = spawn(process.execPath, [
      KUBE_PROXY, `--kubeconfig=${cluster.kubeconfigPath}`, `--node-name=${node}`, `--cluster-cidr=${CLUSTER_CIDR}`,
      `--ip-netns=${node}`, '--metrics-port=0', '--min-sync-period-ms=200',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    servers.push(await startEchoServer('k6-pb', POD_PORT), await startEchoServer('k6-b', NODE_PORT));
  });

  after(async () => {
    for (const p of [...proxies, ...servers]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    // Leave nothing behind even when an assertion failed half-way.
    for (const n of NODES) spawnSync(process.execPath, [KUBE_PROXY, '--cleanup', `--ip-netns=${n.name}`]);
    deleteNamespaces();
    await cluster?.stop();
    if (!process.env.SKIFF_TEST_KEEP) rmSync(logDir, { recursive: true, force: true });
  });

  it('without kube-proxy, pod A cannot reach pod B', () => {
    assert.match(fetchFrom('k6-pa', NODES[1]!.pod.ip, POD_PORT), /^error:/);
  });

  it('kube-proxy routes every other node\'s pod CIDR via its address, with forwarding on', async () => {
    for (const n of NODES) proxies.push(startProxy(n.name));
    await eventually(async () => {
      assert.deepEqual(ourRoutes('k6-a').split('\n').map((l) => l.trim()), [
        '10.206.2.0/24 via 10.206.255.12 dev eth0',
        '10.206.3.0/24 via 10.206.255.13 dev eth0',
      ]);
    }, 90_000, 500);
    await eventually(async () => {
      assert.deepEqual(ourRoutes('k6-b').split('\n').map((l) => l.trim()), [
        '10.206.1.0/24 via 10.206.255.11 dev eth0',
        '10.206.3.0/24 via 10.206.255.13 dev eth0',
      ]);
    }, 90_000, 500);
    for (const n of NODES) assert.equal(sh(['ip', 'netns', 'exec', n.name, 'cat', '/proc/sys/net/ipv4/ip_forward']).trim(), '1');
  });

  it('puts the forwarding accepts in DOCKER-USER where Docker made it, else in FORWARD', async () => {
    await eventually(async () => {
      const a = iptablesSave('k6-a');
      assert.match(a, /^-A DOCKER-USER -m comment --comment "skiff forwarding rules" -j SKIFF-FORWARD$/m);
      assert.doesNotMatch(a, /^-A FORWARD .*-j SKIFF-FORWARD$/m);
      assert.match(iptablesSave('k6-b'), /^-A FORWARD -m comment --comment "skiff forwarding rules" -j SKIFF-FORWARD$/m);
    }, 60_000, 500);
  });

  it('pod A reaches pod B by pod IP, and B sees A\'s pod IP', async () => {
    const answer = await eventually(async () => {
      const r = fetchFrom('k6-pa', NODES[1]!.pod.ip, POD_PORT);
      assert.match(r, /^body:/);
      return r;
    }, 60_000, 500);
    assert.equal(answer, `body:${NODES[0]!.pod.ip}`);
  });

  it('traffic from a pod to outside the cluster CIDR leaves as its node', () => {
    assert.equal(fetchFrom('k6-pa', NODES[1]!.ip, NODE_PORT), `body:${NODES[0]!.ip}`);
  });

  it('a pod reaching a service without endpoints is refused at once, even behind Docker\'s accepts', async () => {
    const created = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/default/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { selector: { app: 'nobody' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    });
    assert.equal(created.status, 201, created.body);
    const ip = created.json.spec.clusterIP as string;
    await eventually(async () => assert.match(iptablesSave('k6-a'), new RegExp(`-d ${ip.replaceAll('.', '\\.')}/32 .*-j REJECT`)), 60_000, 500);
    // As a Docker restart does: its jump to DOCKER-USER goes back to the top of FORWARD.
    sh(['ip', 'netns', 'exec', 'k6-a', 'iptables', '-w', '-D', 'FORWARD', '-j', 'DOCKER-USER']);
    sh(['ip', 'netns', 'exec', 'k6-a', 'iptables', '-w', '-I', 'FORWARD', '-j', 'DOCKER-USER']);
    assert.equal(fetchFrom('k6-pa', ip, 80), 'error:ECONNREFUSED');
  });

  it('a deleted Node\'s route goes; routes that are not ours stay', async () => {
    const del = await apiRequest(cluster.admin, 'DELETE', `/api/v1/nodes/${GHOST.name}`);
    assert.ok(del.status === 200 || del.status === 202, del.body);
    for (const n of NODES) {
      await eventually(async () => assert.doesNotMatch(ourRoutes(n.name), /10\.206\.3\.0/), 60_000, 500);
    }
    assert.match(ourRoutes('k6-a'), /^10\.206\.2\.0\/24 via 10\.206\.255\.12/);
    assert.match(inNs('k6-a', 'route', 'show', FOREIGN_ROUTE), /via 10\.206\.255\.99/);
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
    assert.match(inNs('k6-a', 'route', 'show', FOREIGN_ROUTE), /via 10\.206\.255\.99/);
    assert.match(iptablesSave('k6-a'), /^-A DOCKER-USER -j RETURN$/m);
    assert.match(fetchFrom('k6-pa', NODES[1]!.pod.ip, POD_PORT), /^error:/, 'without the routes pod B is unreachable again');
  });
});

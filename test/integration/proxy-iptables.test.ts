/**
 * kube-proxy's rules in a real kernel: a "node" network namespace with a bridge and two
 * "pod" namespaces on veth pairs, each pod serving HTTP with its own name. The rendered
 * payload is applied through Iptables inside the node namespace, then real connections
 * go through the ClusterIP, the NodePort, and a service without endpoints. Needs root.
 * Namespaces are named k6-pi-* and addresses stay in 10.206.100.0/24.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { addBridge, addNetns, addVeth, canUseNetns, deleteNetns, deleteStaleNetns, inNetns, startHttpServerIn } from '../harness/index.ts';

// The test project does not reference apps/kube-proxy, so load it by path behind a narrow type.
interface ProxyModule {
  renderRules(state: unknown): string;
  renderRulesWithChains(state: unknown): { payload: string; chains: { nat: string[]; filter: string[] } };
  Iptables: new (opts: {
    ipNetns?: string;
  }) => {
    apply(payload: string): Promise<boolean>;
    save(): Promise<string>;
    cleanup(): Promise<void>;
  };
}
const modulePath = join(import.meta.dirname, '../../apps/kube-proxy/src/index.ts');

const suffix = String(process.pid % 100000);
const NODE_NS = `k6-pi-node-${suffix}`;
const PODS = [
  { ns: `k6-pi-pod1-${suffix}`, name: 'pod-one', ip: '10.206.100.2', hostIf: 'vpod1' },
  { ns: `k6-pi-pod2-${suffix}`, name: 'pod-two', ip: '10.206.100.3', hostIf: 'vpod2' },
];
const NODE_IP = '10.206.100.1';
const CLUSTER_IP = '10.96.231.10';
const EMPTY_IP = '10.96.231.11';
const NODE_PORT = 30231;

const canRun = canUseNetns();
const allNamespaces = () => [NODE_NS, ...PODS.map((p) => p.ns)];

function buildTopology(): void {
  deleteStaleNetns(/^(k6-pi-\S+-(\d+))\b/, suffix);
  deleteNetns(...allNamespaces());
  addNetns(NODE_NS);
  addBridge(NODE_NS, 'br0', `${NODE_IP}/24`);
  // ClusterIPs are virtual: the node only needs a route so connect() gets to nat OUTPUT.
  inNetns(NODE_NS, 'route', 'add', '10.96.0.0/12', 'dev', 'br0');
  for (const pod of PODS) {
    addNetns(pod.ns);
    addVeth({ ns: NODE_NS, hostIf: pod.hostIf, bridge: 'br0', peerNs: pod.ns, peerAddress: `${pod.ip}/24`, gateway: NODE_IP });
  }
}

/** Runs `count` fresh-connection GETs from the node namespace; returns answers and error codes. */
function requestFromNode(host: string, port: number, count: number): { answers: Record<string, number>; errors: string[]; ms: number } {
  const script = `
    const http = require('node:http');
    const answers = {}; const errors = []; const start = Date.now();
    const one = () => new Promise((resolve) => {
      const req = http.get({ host: ${JSON.stringify(host)}, port: ${port}, agent: false, timeout: 3000 }, (res) => {
        let body = ''; res.on('data', (d) => body += d); res.on('end', () => { answers[body] = (answers[body] ?? 0) + 1; resolve(); });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err) => { errors.push(err.code ?? err.message); resolve(); });
    });
    (async () => { for (let i = 0; i < ${count}; i++) await one(); console.log(JSON.stringify({ answers, errors, ms: Date.now() - start })); })();
  `;
  const r = spawnSync('ip', ['netns', 'exec', NODE_NS, process.execPath, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`client failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('kube-proxy iptables rules in network namespaces', { skip: canRun ? false : 'needs root and ip netns' }, () => {
  const servers: ChildProcess[] = [];
  let proxy: ProxyModule;

  before(async () => {
    proxy = (await import(modulePath)) as ProxyModule;
    buildTopology();
    for (const pod of PODS) servers.push(await startHttpServerIn(pod.ns, 8080, pod.name, 15_000));
  });

  after(() => {
    for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
    deleteNetns(...allNamespaces());
  });

  it('balances a ClusterIP, answers a NodePort, refuses without endpoints, cleans up', async () => {
    const endpoints = PODS.map((p) => ({ ip: p.ip, port: 8080, ready: true, local: true, nodeName: 'node' }));
    const state = {
      services: [
        {
          namespace: 'default',
          name: 'web',
          type: 'NodePort',
          clusterIP: CLUSTER_IP,
          ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: NODE_PORT }],
        },
        { namespace: 'default', name: 'empty', type: 'ClusterIP', clusterIP: EMPTY_IP, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
      ],
      endpoints: { 'default/web:http': endpoints, 'default/empty:http': [] },
      nodeAddresses: [NODE_IP],
      clusterCIDR: '10.206.100.0/24',
    };
    const iptables = new proxy.Iptables({ ipNetns: NODE_NS });
    const payload = proxy.renderRules(state);
    assert.equal(await iptables.apply(payload), true);
    assert.equal(await iptables.apply(payload), false, 'an unchanged payload is not restored again');
    const saved = await iptables.save();
    assert.equal(saved.split('\n').filter((l) => l === '-A OUTPUT -m comment --comment "skiff service portals" -j SKIFF-SERVICES').length, 1);

    const cluster = requestFromNode(CLUSTER_IP, 80, 100);
    assert.deepEqual(cluster.errors, []);
    for (const pod of PODS) assert.ok((cluster.answers[pod.name] ?? 0) >= 20, `${pod.name} answered ${JSON.stringify(cluster.answers)}`);

    const nodePort = requestFromNode(NODE_IP, NODE_PORT, 10);
    assert.deepEqual(nodePort.errors, []);
    assert.equal(
      Object.values(nodePort.answers).reduce((a, b) => a + b, 0),
      10,
    );
    // Not on loopback (CVE-2020-8558): nothing listens on 127.0.0.1:30231, so refused.
    assert.deepEqual(requestFromNode('127.0.0.1', NODE_PORT, 1).errors, ['ECONNREFUSED']);

    const empty = requestFromNode(EMPTY_IP, 80, 3);
    assert.deepEqual(empty.errors, ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    assert.ok(empty.ms < 2000, `refused at once, took ${empty.ms} ms`);

    // ClientIP affinity: one client sticks to one backend; the re-render also replaces chains in place.
    const first = proxy.renderRulesWithChains(state);
    const sticky = { ...state, services: state.services.map((s) => ({ ...s, sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 60 })) };
    assert.equal(await iptables.apply(proxy.renderRulesWithChains({ ...sticky, previousChains: first.chains }).payload), true);
    const pinned = requestFromNode(CLUSTER_IP, 80, 30);
    assert.deepEqual(pinned.errors, []);
    assert.deepEqual(Object.values(pinned.answers), [30], `sticky answers ${JSON.stringify(pinned.answers)}`);

    // Dropping one endpoint deletes its chain and sends everything to the other pod.
    const one = { ...state, endpoints: { ...state.endpoints, 'default/web:http': endpoints.slice(0, 1) }, previousChains: first.chains };
    assert.equal(await iptables.apply(proxy.renderRules(one)), true);
    assert.deepEqual(requestFromNode(CLUSTER_IP, 80, 10).answers, { [PODS[0]!.name]: 10 });
    const sepChains = (await iptables.save()).split('\n').filter((l) => l.startsWith(':SKIFF-SEP-'));
    assert.equal(sepChains.length, 1, 'the removed endpoint chain is gone from the kernel');

    await iptables.cleanup();
    const after = await iptables.save();
    assert.doesNotMatch(after, /SKIFF/);
    assert.match(requestFromNode(CLUSTER_IP, 80, 1).errors[0] ?? '', /TIMEOUT|EHOSTUNREACH|ECONNREFUSED/);
  });
});

/**
 * NetworkPolicy enforcement in a real kernel against a real apiserver. A "node" network namespace
 * holds a bridge and four "pod" namespaces on veth pairs; the Pods and Namespaces exist in the API
 * (bound to the node, pod IPs set through the status subresource, no kubelet). The component runs
 * in this process as its own identity with --ip-netns=<node>, and every assertion is a real HTTP
 * request between the namespaces (busybox wget to busybox httpd). Needs root.
 * Ports 25000-25099 are this file's; namespaces and links are named np*; addresses 10.251.7.0/24.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findResourceByKind, type Namespace, type NetworkPolicy, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { createLogger } from '@skiff/log';
import {
  REPO_ROOT,
  addBridge,
  addNetns,
  addVeth,
  canUseNetns,
  deleteNetns,
  eventually,
  execInNetns,
  identityFor,
  inNetns,
  startTestCluster,
  type TestCluster,
} from '../harness/index.ts';

// etcd 25000-25001, the apiserver 25090, the component's metrics 25091.
const BASE_PORT = 25000;
const API_PORT = 25090;
const METRICS_PORT = 25091;

const PODS = findResourceByKind('v1', 'Pod')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const POLICIES = findResourceByKind('networking.k8s.io/v1', 'NetworkPolicy')!;

type NetworkPolicyModule = {
  run(config: Record<string, unknown>, signal: AbortSignal, opts?: { logger?: unknown; onReady?: (port: number) => void }): Promise<void>;
};
const networkPolicy = (await import(pathToFileURL(join(REPO_ROOT, 'apps/network-policy/src/index.ts')).href)) as NetworkPolicyModule;

const suffix = String(process.pid % 100000);
const NODE = 'np-node';
const NODE_NS = `npnode${suffix}`;
const NODE_IP = '10.251.7.1';
/** An address on the node itself (as node-local DNS is): reached through INPUT, not FORWARD. */
const NODE_LOCAL = '169.254.20.10';
const HOME = 'np-home';
const GUESTS = 'np-guests';

interface TestPod {
  name: string;
  ns: string;
  ip: string;
  labels: Record<string, string>;
  netns: string;
  host: string;
}
const POD_LIST: TestPod[] = [
  { name: 'echo', ns: HOME, ip: '10.251.7.10', labels: { app: 'echo' }, netns: `npecho${suffix}`, host: 'npv-echo' },
  { name: 'client', ns: HOME, ip: '10.251.7.11', labels: { app: 'client' }, netns: `npcli${suffix}`, host: 'npv-cli' },
  { name: 'other', ns: HOME, ip: '10.251.7.12', labels: { app: 'other' }, netns: `npoth${suffix}`, host: 'npv-oth' },
  { name: 'visitor', ns: GUESTS, ip: '10.251.7.13', labels: { app: 'client' }, netns: `npvis${suffix}`, host: 'npv-vis' },
];
const [echo, client, other, visitor] = POD_LIST as [TestPod, TestPod, TestPod, TestPod];

const canRun = canUseNetns() && spawnSync('busybox', ['true']).status === 0;
const allNetns = () => [NODE_NS, ...POD_LIST.map((p) => p.netns)];

function buildTopology(): void {
  deleteNetns(...allNetns());
  addNetns(NODE_NS);
  inNetns(NODE_NS, 'addr', 'add', `${NODE_LOCAL}/32`, 'dev', 'lo');
  addBridge(NODE_NS, 'npbr0', `${NODE_IP}/24`);
  // Same-node pod traffic crosses the bridge: it meets iptables only with br_netfilter's hook on.
  // Off here, so every test below also shows the component turning it on.
  execInNetns(NODE_NS, 'sysctl', '-w', 'net.bridge.bridge-nf-call-iptables=0');
  for (const pod of POD_LIST) {
    addNetns(pod.netns);
    addVeth({ ns: NODE_NS, hostIf: pod.host, bridge: 'npbr0', peerNs: pod.netns, peerAddress: `${pod.ip}/24`, gateway: NODE_IP });
  }
}

/** busybox httpd in a namespace on address:port, answering `name` at /. */
function serve(netns: string, listen: string, name: string, root: string): ChildProcess {
  const dir = join(root, `${netns}-${listen.replace(/[.:]/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), name);
  return spawn('ip', ['netns', 'exec', netns, 'busybox', 'httpd', '-f', '-p', listen, '-h', dir], { stdio: 'ignore' });
}

/**
 * One fresh GET from a namespace: the body, or undefined when it did not get through in 2 s.
 * busybox nc speaks the HTTP (this busybox's wget crashes in a bare namespace).
 */
function get(fromNetns: string, url: string): string | undefined {
  const { hostname, port } = new URL(url);
  const r = spawnSync('ip', ['netns', 'exec', fromNetns, 'busybox', 'nc', '-w', '2', hostname, port], {
    input: 'GET / HTTP/1.0\r\n\r\n',
    encoding: 'utf8',
    timeout: 10_000,
  });
  const body = r.stdout.split('\r\n\r\n')[1];
  return r.status === 0 && r.stdout.startsWith('HTTP/1.1 200') ? body?.trim() : undefined;
}

const echoUrl = (port = 8080) => `http://${echo.ip}:${port}/`;

/**
 * Waits until every (from, url) gets the expected answer (undefined = blocked). Returns the ms from
 * the call to the start of the round that passed: a blocked request takes its 2 s timeout to tell.
 */
async function expectReach(cases: [TestPod | 'node', string, string | undefined][], timeoutMs = 10_000): Promise<number> {
  const start = performance.now();
  return eventually(
    async () => {
      const round = performance.now() - start;
      for (const [from, url, want] of cases) {
        const got = get(from === 'node' ? NODE_NS : from.netns, url);
        assert.equal(got, want, `${from === 'node' ? 'node' : from.name} → ${url}`);
      }
      return round;
    },
    timeoutMs,
    200,
  );
}

function ownChains(): string[] {
  return execInNetns(NODE_NS, 'iptables-save', '-t', 'filter')
    .split('\n')
    .filter((l) => l.startsWith(':SKIFFNP-'));
}

describe('network policy enforced in a node namespace', { skip: canRun ? false : 'needs root, ip netns and busybox', timeout: 240_000 }, () => {
  let cluster: TestCluster;
  let api: RestClient;
  const servers: ChildProcess[] = [];
  const root = join('/tmp', `np-www-${suffix}`);
  let stop = new AbortController();
  let running: Promise<void> | undefined;

  async function startEnforcer(kubeconfig: string): Promise<void> {
    stop = new AbortController();
    const logger = createLogger('network-policy', process.env.SKIFF_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
    await new Promise<void>((resolve, reject) => {
      running = networkPolicy
        .run({ kubeconfig, nodeName: NODE, minSyncPeriodMs: 200, metricsPort: METRICS_PORT, ipNetns: NODE_NS, cleanup: false, logLevel: 'warn' }, stop.signal, {
          logger,
          onReady: () => resolve(),
        })
        .catch(reject);
    });
  }

  async function policy(ns: string, name: string, spec: NonNullable<NetworkPolicy['spec']>): Promise<void> {
    await api.create<NetworkPolicy>(POLICIES, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });
  }

  async function deletePolicies(...names: string[]): Promise<void> {
    for (const name of names) await api.delete(POLICIES, HOME, name);
  }

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, apiServerPort: API_PORT, etcdMembers: 1 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await api.create<Namespace>(NAMESPACES, { metadata: { name: HOME, labels: { team: 'home' } } });
    await api.create<Namespace>(NAMESPACES, { metadata: { name: GUESTS, labels: { team: 'guests' } } });
    for (const p of POD_LIST) {
      const ports = p === echo ? [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }] : [];
      const created = await api.create<Pod>(PODS, {
        metadata: { namespace: p.ns, name: p.name, labels: p.labels },
        spec: { nodeName: NODE, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', ports }] },
      });
      await api.update<Pod>(PODS, { ...created, status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] } }, { subresource: 'status' });
    }
    buildTopology();
    servers.push(serve(echo.netns, '0.0.0.0:8080', 'echo', root), serve(echo.netns, '0.0.0.0:9090', 'echo-9090', root));
    servers.push(serve(NODE_NS, `${NODE_LOCAL}:8053`, 'node-local', root));
    const identity = await identityFor(cluster, 'system:skiff-network-policy');
    await startEnforcer(identity.kubeconfigPath);
  });

  after(async () => {
    stop.abort();
    await running?.catch(() => {});
    for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
    deleteNetns(...allNetns());
    rmSync(root, { recursive: true, force: true });
    api?.close();
    await cluster?.stop();
  });

  it('netpol: without policies everything is open, the bridge hook is on, /healthz answers after the first sync', async () => {
    await expectReach([
      [client, echoUrl(), 'echo'],
      [visitor, echoUrl(), 'echo'],
      [client, `http://${NODE_LOCAL}:8053/`, 'node-local'],
    ]);
    assert.equal(execInNetns(NODE_NS, 'sysctl', '-n', 'net.bridge.bridge-nf-call-iptables').trim(), '1');
    const health = await fetch(`http://127.0.0.1:${METRICS_PORT}/healthz`);
    assert.equal(health.status, 200);
    assert.match(
      await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text(),
      /skiff_network_policy_syncs_total\{[^}]*result="restored"[^}]*\} [1-9]/,
    );
  });

  it('netpol: default-deny ingress cuts traffic within seconds; the node still reaches the pod', async () => {
    await policy(HOME, 'deny', { podSelector: { matchLabels: { app: 'echo' } }, policyTypes: ['Ingress'] });
    const ms = await expectReach([
      [client, echoUrl(), undefined],
      [visitor, echoUrl(), undefined],
    ]);
    assert.ok(ms < 3000, `cut after ${Math.round(ms)} ms`);
    await expectReach([['node', echoUrl(), 'echo']]);
    const forward = execInNetns(NODE_NS, 'iptables', '-S', 'FORWARD').split('\n');
    assert.match(forward[1]!, /-j SKIFFNP-FORWARD$/);
  });

  it('netpol: an allow rule lets only app=client of the same namespace through', async () => {
    await policy(HOME, 'allow-client', {
      podSelector: { matchLabels: { app: 'echo' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }],
    });
    await expectReach([
      [client, echoUrl(), 'echo'],
      [other, echoUrl(), undefined],
      [visitor, echoUrl(), undefined],
      [client, echoUrl(9090), undefined],
    ]);
  });

  it('netpol: a namespaceSelector admits the labelled namespace', async () => {
    await policy(HOME, 'allow-guests', {
      podSelector: { matchLabels: { app: 'echo' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'guests' } } }] }],
    });
    await expectReach([
      [visitor, echoUrl(), 'echo'],
      [other, echoUrl(), undefined],
    ]);
    await deletePolicies('allow-client', 'allow-guests');
    await expectReach([
      [client, echoUrl(), undefined],
      [visitor, echoUrl(), undefined],
    ]);
  });

  it('netpol: an ipBlock with except admits the block but not the excepted address', async () => {
    await policy(HOME, 'allow-block', {
      podSelector: { matchLabels: { app: 'echo' } },
      ingress: [{ from: [{ ipBlock: { cidr: '10.251.7.8/29', except: [`${client.ip}/32`] } }] }],
    });
    await expectReach([
      [other, echoUrl(), 'echo'],
      [visitor, echoUrl(), 'echo'],
      [client, echoUrl(), undefined],
    ]);
    await deletePolicies('allow-block');
  });

  it('netpol: a named port resolves on the pod; its other port stays closed', async () => {
    await policy(HOME, 'allow-http', { podSelector: { matchLabels: { app: 'echo' } }, ingress: [{ ports: [{ port: 'http' }] }] });
    await expectReach([
      [other, echoUrl(), 'echo'],
      [other, echoUrl(9090), undefined],
    ]);
    await deletePolicies('allow-http');
  });

  it('netpol: our FORWARD jump goes back to the top when an ACCEPT is put ahead of it', async () => {
    execInNetns(NODE_NS, 'iptables', '-I', 'FORWARD', '1', '-s', '10.251.7.0/24', '-j', 'ACCEPT');
    // Any change syncs (and there is a periodic check too): the deny must hold again.
    await api.patch<Namespace>(NAMESPACES, undefined, GUESTS, 'merge', { metadata: { labels: { touched: 'yes' } } });
    await expectReach([[client, echoUrl(), undefined]], 15_000);
    assert.match(execInNetns(NODE_NS, 'iptables', '-S', 'FORWARD').split('\n')[1]!, /-j SKIFFNP-FORWARD$/);
    execInNetns(NODE_NS, 'iptables', '-D', 'FORWARD', '-s', '10.251.7.0/24', '-j', 'ACCEPT');
  });

  it('netpol: egress deny blocks pods and an address on the node (INPUT) until allowed', async () => {
    await deletePolicies('deny');
    await policy(HOME, 'client-egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] });
    const nodeLocal = `http://${NODE_LOCAL}:8053/`;
    await expectReach([
      [client, echoUrl(), undefined],
      [client, nodeLocal, undefined],
      [other, nodeLocal, 'node-local'],
      [other, echoUrl(), 'echo'],
    ]);
    await policy(HOME, 'client-dns', {
      podSelector: { matchLabels: { app: 'client' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: `${NODE_LOCAL}/32` } }], ports: [{ port: 8053 }] }],
    });
    await expectReach([
      [client, nodeLocal, 'node-local'],
      [client, echoUrl(), undefined],
    ]);
    await deletePolicies('client-egress', 'client-dns');
  });

  it('netpol: replies flow back to an allowed client although the server may send nothing', async () => {
    await policy(HOME, 'echo-locked', {
      podSelector: { matchLabels: { app: 'echo' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }],
    });
    await expectReach([
      [client, echoUrl(), 'echo'],
      [other, echoUrl(), undefined],
    ]);
  });

  it('netpol: removing the policies restores traffic', async () => {
    await deletePolicies('echo-locked');
    await expectReach([
      [client, echoUrl(), 'echo'],
      [other, echoUrl(), 'echo'],
      [visitor, echoUrl(), 'echo'],
      [client, `http://${NODE_LOCAL}:8053/`, 'node-local'],
    ]);
  });

  it('netpol: --cleanup leaves no SKIFFNP- chain and no jump', async () => {
    assert.ok(ownChains().length >= 2);
    stop.abort();
    await running;
    await networkPolicy.run(
      { cleanup: true, ipNetns: NODE_NS, kubeconfig: '', nodeName: '', minSyncPeriodMs: 0, metricsPort: 0, logLevel: 'warn' },
      new AbortController().signal,
      { logger: createLogger('network-policy', 'warn') },
    );
    assert.deepEqual(ownChains(), []);
    assert.doesNotMatch(execInNetns(NODE_NS, 'iptables-save', '-t', 'filter'), /SKIFFNP/);
  });
});

/**
 * LoadBalancer Services on bare metal, end to end without containers: a real apiserver and
 * the controller-manager running only service-lb, Node objects (one backed by a network
 * namespace, two without a machine, one NotReady), and a real kube-proxy (--ip-netns) on the
 * backed node. The controller writes node addresses into status.loadBalancer.ingress (for Local
 * only nodes with a ready endpoint), holds and releases its finalizer; kube-proxy makes the
 * addresses answer on the service port from a client namespace, serves the health check node
 * port, and takes NodePorts on every address of the node. Needs root for the kernel part.
 * Names lb-*, addresses 10.243.0.0/16, ports 24330-24369 (etcd, apiserver), node ports 30300-30349.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { findResourceByKind, type EndpointSlice, type Event, type Node, type Service } from '@skiff/api';
import { isNotFound, loadKubeconfig, RestClient } from '@skiff/client';
import {
  addBridge,
  addNetns,
  addVeth,
  canUseNetns,
  deleteNetns,
  eventually,
  execInNetns,
  fetchFrom as fetchFromNetns,
  inNetns,
  KUBECTL_120_PATH,
  kubectl,
  REPO_ROOT,
  startControllerManager,
  startHttpServerIn,
  startTestCluster,
  type ComponentProcess,
  type TestCluster,
} from '../harness/index.ts';

const SERVICES = findResourceByKind('v1', 'Service')!;
const NODES = findResourceByKind('v1', 'Node')!;
const SLICES = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;
const EVENTS = findResourceByKind('v1', 'Event')!;
const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const KUBE_PROXY = join(REPO_ROOT, 'apps/kube-proxy/src/main.ts');

const suffix = String(process.pid % 100000);
const NODE_NS = `lb-n${suffix}`;
const POD_NS = `lb-p${suffix}`;
const CLIENT_NS = `lb-c${suffix}`;
const NODE_IP = '10.243.1.1';
const SECOND_IP = '10.243.2.1';
const CLIENT_IP = '10.243.1.2';
const POD = { ip: '10.243.0.2', gateway: '10.243.0.1', port: 8080 };
/** Nodes without a machine: they only lend their addresses to the status. */
const GHOSTS = [
  { name: 'lb-ghost-1', ip: '10.243.1.11' },
  { name: 'lb-ghost-2', ip: '10.243.1.12' },
];
const NOT_READY = { name: 'lb-down', ip: '10.243.1.13' };

const canRun = canUseNetns();

/** client ──veth── node (10.243.1.1, and a second address later) ──bridge── pod 10.243.0.2. */
function buildTopology(): void {
  deleteNetns(NODE_NS, POD_NS, CLIENT_NS);
  for (const ns of [NODE_NS, POD_NS, CLIENT_NS]) addNetns(ns);
  execInNetns(NODE_NS, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  addVeth({ ns: NODE_NS, hostIf: 'ext0', hostAddress: `${NODE_IP}/24`, peerNs: CLIENT_NS, peerAddress: `${CLIENT_IP}/24` });
  inNetns(CLIENT_NS, 'route', 'add', '10.243.0.0/16', 'via', NODE_IP);
  addBridge(NODE_NS, 'cbr0', `${POD.gateway}/24`);
  addVeth({ ns: NODE_NS, hostIf: 'vpod', bridge: 'cbr0', peerNs: POD_NS, peerAddress: `${POD.ip}/24`, gateway: POD.gateway });
}

/** One GET from the client namespace (or the host), as fetchFrom reports it. */
const fetchFrom = (ns: string | undefined, host: string, port: number) => fetchFromNetns(ns, host, port, 2000);

function service(name: string, spec: Partial<NonNullable<Service['spec']>>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: POD.port }], ...spec },
  };
}

/** Selectorless services with slices of our own: the endpoints' node is ours to choose. */
function slice(svc: string, nodeName: string, ready = true): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name: `${svc}-manual`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    endpoints: [{ addresses: [POD.ip], nodeName, conditions: { ready } }],
    ports: [{ name: 'http', port: POD.port, protocol: 'TCP' }],
  };
}

const ingressOf = (svc: Service) => (svc.status?.loadBalancer?.ingress ?? []).map((i) => `${i.ip}/${i.ipMode}`);

describe('LoadBalancer services on bare metal', { skip: canRun ? false : 'needs root and ip netns', timeout: 240_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;
  let cm: ComponentProcess;
  let proxy: ChildProcess | undefined;
  let server: ChildProcess | undefined;

  const get = (name: string) => client.get<Service>(SERVICES, 'default', name);
  const waitIngress = (name: string, want: string[], timeoutMs = 20_000) =>
    eventually(async () => {
      const svc = await get(name);
      assert.deepEqual(
        ingressOf(svc),
        want.map((ip) => `${ip}/VIP`),
      );
      return svc;
    }, timeoutMs);

  async function createNode(name: string, ip: string, ready: boolean): Promise<void> {
    const created = await client.create<Node>(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
    const status = {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: 'Test' }],
    };
    await client.update(NODES, { ...created, status }, { subresource: 'status' });
  }

  before(async () => {
    buildTopology();
    server = await startHttpServerIn(POD_NS, POD.port);
    cluster = await startTestCluster({ basePort: 24330, apiServerPort: 24360, etcdMembers: 1, apiServerArgs: ['--service-node-port-range=30300-30349'] });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await createNode(NODE_NS, NODE_IP, true);
    for (const g of GHOSTS) await createNode(g.name, g.ip, true);
    await createNode(NOT_READY.name, NOT_READY.ip, false);
    cm = await startControllerManager(cluster, { args: ['--controllers=service-lb'] });
    proxy = spawn(
      process.execPath,
      [
        KUBE_PROXY,
        `--kubeconfig=${cluster.kubeconfigPath}`,
        `--node-name=${NODE_NS}`,
        `--ip-netns=${NODE_NS}`,
        '--cluster-cidr=10.243.0.0/24',
        '--metrics-port=0',
        '--min-sync-period-ms=200',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = createWriteStream(join(cluster.dir, 'kube-proxy.log'));
    proxy.stdout!.pipe(log);
    proxy.stderr!.pipe(log);
  });

  after(async () => {
    for (const p of [proxy, server]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    spawnSync(process.execPath, [KUBE_PROXY, '--cleanup', `--ip-netns=${NODE_NS}`]);
    deleteNetns(NODE_NS, POD_NS, CLIENT_NS);
    await cm?.stop(5000).catch(() => cm.kill());
    client?.close();
    await cluster?.stop();
  });

  it('Cluster: every Ready schedulable node address, the finalizer, events, kubectl EXTERNAL-IP, answers on the address', async () => {
    await client.create(SERVICES, service('web', {}));
    await client.create(SLICES, slice('web', GHOSTS[0]!.name));
    const svc = await waitIngress('web', [NODE_IP, GHOSTS[0]!.ip, GHOSTS[1]!.ip]);
    assert.deepEqual(svc.metadata?.finalizers, [FINALIZER]);
    await eventually(async () => {
      const reasons = (await client.list<Event>(EVENTS, 'default')).items.filter((e) => e.involvedObject?.name === 'web').map((e) => e.reason);
      assert.ok(reasons.includes('EnsuringLoadBalancer') && reasons.includes('EnsuredLoadBalancer'), reasons.join(','));
    });
    const table = await kubectl(KUBECTL_120_PATH, ['get', 'svc', 'web'], { kubeconfig: cluster.kubeconfigPath });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    assert.match(table.stdout, new RegExp(`web\\s+LoadBalancer\\s+\\S+\\s+${NODE_IP},${GHOSTS[0]!.ip},${GHOSTS[1]!.ip}\\s+80:\\d+/TCP`));
    // Port 80 on the node's address is no NodePort: only the load balancer rule answers there, masqueraded (Cluster).
    await eventually(async () => assert.equal(fetchFrom(CLIENT_NS, NODE_IP, 80), `body:${POD.gateway}`));
  });

  it('NodePorts answer on every address of the node, not only the InternalIP', async () => {
    const nodePort = (await get('web')).spec!.ports![0]!.nodePort!;
    inNetns(NODE_NS, 'addr', 'add', `${SECOND_IP}/32`, 'dev', 'ext0');
    try {
      await eventually(async () => assert.equal(fetchFrom(CLIENT_NS, SECOND_IP, nodePort), `body:${POD.gateway}`));
      assert.equal(fetchFrom(CLIENT_NS, SECOND_IP, 80), 'error:ECONNREFUSED', 'the service port is for the load balancer addresses only');
    } finally {
      inNetns(NODE_NS, 'addr', 'del', `${SECOND_IP}/32`, 'dev', 'ext0');
    }
  });

  it('Local: only nodes with a ready endpoint, the client source kept, the health check node port 503 then 200', async () => {
    await client.create(SERVICES, service('local', { externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 81, targetPort: POD.port }] }));
    await client.create(SLICES, slice('local', GHOSTS[1]!.name));
    const svc = await waitIngress('local', [GHOSTS[1]!.ip]);
    const hc = svc.spec!.healthCheckNodePort!;
    assert.ok(hc >= 30300 && hc <= 30349, `healthCheckNodePort ${hc}`);
    // kube-proxy runs with --ip-netns, so its health server listens in this (the host's) namespace.
    await eventually(async () =>
      assert.equal(
        fetchFrom(undefined, '127.0.0.1', hc),
        `status:503:{"service":{"namespace":"default","name":"local"},"localEndpoints":0,"serviceProxyHealthy":true}`,
      ),
    );
    assert.match(fetchFrom(CLIENT_NS, NODE_IP, 81), /^error:/, 'no address of this node in the status: nothing answers');

    const moved = slice('local', NODE_NS);
    const current = await client.get<EndpointSlice>(SLICES, 'default', 'local-manual');
    await client.update(SLICES, { ...moved, metadata: { ...moved.metadata, resourceVersion: current.metadata?.resourceVersion } });
    await waitIngress('local', [NODE_IP]);
    await eventually(async () =>
      assert.equal(
        fetchFrom(undefined, '127.0.0.1', hc),
        `body:{"service":{"namespace":"default","name":"local"},"localEndpoints":1,"serviceProxyHealthy":true}`,
      ),
    );
    await eventually(async () => assert.equal(fetchFrom(CLIENT_NS, NODE_IP, 81), `body:${CLIENT_IP}`));

    // Cluster again: the health check node port is released and closed.
    await client.patch(SERVICES, 'default', 'local', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
    assert.equal((await get('local')).spec?.healthCheckNodePort, undefined);
    await waitIngress('local', [NODE_IP, GHOSTS[0]!.ip, GHOSTS[1]!.ip]);
    await eventually(async () => assert.equal(fetchFrom(undefined, '127.0.0.1', hc), 'error:ECONNREFUSED'));
  });

  it('a loadBalancerClass is left to its implementation; allocateLoadBalancerNodePorts=false has no node ports and still answers', async () => {
    await client.create(SERVICES, service('other', { loadBalancerClass: 'example.com/metal', ports: [{ name: 'http', port: 83, targetPort: POD.port }] }));
    await client.create(SERVICES, service('direct', { allocateLoadBalancerNodePorts: false, ports: [{ name: 'http', port: 82, targetPort: POD.port }] }));
    await client.create(SLICES, slice('direct', NODE_NS));
    const direct = await waitIngress('direct', [NODE_IP, GHOSTS[0]!.ip, GHOSTS[1]!.ip]);
    assert.equal(direct.spec?.ports?.[0]?.nodePort, undefined);
    await eventually(async () => assert.equal(fetchFrom(CLIENT_NS, NODE_IP, 82), `body:${POD.gateway}`));
    const other = await get('other');
    assert.deepEqual(ingressOf(other), []);
    assert.deepEqual(other.metadata?.finalizers ?? [], []);
  });

  it('a type change clears the status and the finalizer; a delete releases the address and the object goes', async () => {
    const web = await get('web');
    await client.update(SERVICES, {
      ...web,
      spec: {
        ...web.spec,
        type: 'ClusterIP',
        externalTrafficPolicy: undefined,
        allocateLoadBalancerNodePorts: undefined,
        ports: [{ name: 'http', port: 80, targetPort: POD.port }],
      },
    });
    await eventually(async () => {
      const svc = await get('web');
      assert.deepEqual(ingressOf(svc), []);
      assert.deepEqual(svc.metadata?.finalizers ?? [], []);
    });
    await eventually(async () => assert.match(fetchFrom(CLIENT_NS, NODE_IP, 80), /^error:/));

    await client.delete(SERVICES, 'default', 'direct');
    await eventually(async () => {
      await assert.rejects(get('direct'), (err) => isNotFound(err));
    });
    await eventually(async () => assert.match(fetchFrom(CLIENT_NS, NODE_IP, 82), /^error:/));
  });
});

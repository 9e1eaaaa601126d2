import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointSlice, Node, Service } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { Proxier, type ProxyInformer } from './proxier.ts';
import { endpointChainName } from './chain-names.ts';
import { parseProxyFlags } from './config.ts';

/** An informer over a plain array that fires handlers when told. */
class FakeInformer<T> implements ProxyInformer<T> {
  items: T[] = [];
  readonly #add: ((o: T) => void)[] = [];
  readonly #update: ((a: T, b: T) => void)[] = [];
  readonly #del: ((o: T) => void)[] = [];
  list(): T[] {
    return this.items;
  }
  onAdd(h: (o: T) => void): void {
    this.#add.push(h);
  }
  onUpdate(h: (a: T, b: T) => void): void {
    this.#update.push(h);
  }
  onDelete(h: (o: T) => void): void {
    this.#del.push(h);
  }
  set(items: T[]): void {
    this.items = items;
    for (const h of this.#update) for (const o of items) h(o, o);
  }
  add(o: T): void {
    this.items = [...this.items, o];
    for (const h of this.#add) h(o);
  }
}

const dns: Service = {
  metadata: { namespace: 'kube-system', name: 'dns' },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'dns', protocol: 'UDP', port: 53 }] },
};

function slice(ips: string[], ready = true): EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { namespace: 'kube-system', name: 'dns-abc', labels: { 'kubernetes.io/service-name': 'dns' } },
    ports: [{ name: 'dns', protocol: 'UDP', port: 5353 }],
    endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready }, nodeName: i === 0 ? 'node-a' : 'node-b' })),
  };
}

const node: Node = {
  metadata: { name: 'node-a' },
  status: {
    addresses: [
      { type: 'InternalIP', address: '192.168.5.1' },
      { type: 'Hostname', address: 'node-a' },
    ],
  },
};

function setup() {
  const services = new FakeInformer<Service>();
  const slices = new FakeInformer<EndpointSlice>();
  const nodes = new FakeInformer<Node>();
  const applied: string[] = [];
  const conntrack: string[][] = [];
  const proxier = new Proxier({
    nodeName: 'node-a',
    services,
    slices,
    nodes,
    iptables: { apply: async (p) => (applied.push(p), true) },
    clusterCIDR: '10.244.0.0/16',
    minSyncPeriodMs: 40,
    logger: createLogger('kube-proxy-test', 'silent'),
    conntrack: async (args) => (conntrack.push(args), { code: 1, stdout: '', stderr: '0 flow entries have been deleted.' }),
  });
  return { services, slices, nodes, applied, conntrack, proxier };
}

test('builds state from caches: endpoints by port name, locality, node addresses', () => {
  const { services, slices, nodes, proxier } = setup();
  services.items = [dns];
  slices.items = [slice(['10.244.1.5', '10.244.2.5'])];
  nodes.items = [node, { metadata: { name: 'node-b' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.5.2' }] } }];
  const state = proxier.buildState();
  assert.deepEqual(state.nodeAddresses, ['192.168.5.1']);
  assert.deepEqual(state.endpoints['kube-system/dns:dns'], [
    { ip: '10.244.1.5', port: 5353, ready: true, nodeName: 'node-a', local: true },
    { ip: '10.244.2.5', port: 5353, ready: true, nodeName: 'node-b', local: false },
  ]);
});

test('a burst of events becomes few syncs; removed UDP endpoints get their conntrack flows deleted', async () => {
  const { services, slices, nodes, applied, conntrack, proxier } = setup();
  try {
    nodes.add(node);
    services.add(dns);
    slices.add(slice(['10.244.1.5', '10.244.2.5']));
    await sleep(20);
    assert.equal(applied.length, 1, 'one sync for the burst');
    assert.match(applied[0]!, /--to-destination 10\.244\.2\.5:5353/);

    for (let i = 0; i < 5; i++) slices.set([slice(['10.244.1.5'])]);
    await sleep(150);
    assert.equal(applied.length, 2, 'the second burst is coalesced into one more sync');
    const gone = endpointChainName('kube-system/dns:dns', 'UDP', '10.244.2.5:5353');
    assert.ok(applied[1]!.includes(`-X ${gone}`), 'the removed endpoint chain is deleted');
    assert.deepEqual(conntrack, [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.2.5']]);
    assert.equal(proxier.syncCount, 2);
  } finally {
    await proxier.stop();
  }
});

test('flags: defaults, required ones, and --cleanup alone', () => {
  const c = parseProxyFlags(['--kubeconfig=/k', '--node-name=n1', '--cluster-cidr=10.244.0.0/16']);
  assert.equal(c.minSyncPeriodMs, 1000);
  assert.equal(c.metricsPort, 10249);
  assert.equal(c.clusterCIDR, '10.244.0.0/16');
  assert.throws(() => parseProxyFlags(['--kubeconfig=/k']), /--node-name is required/);
  assert.throws(() => parseProxyFlags(['--kubeconfig=/k', '--node-name=n', '--cluster-cidr=bad']), /IPv4 CIDR/);
  assert.equal(parseProxyFlags(['--cleanup']).cleanup, true);
  assert.equal(c.podRoutes, true, 'host-gw pod routes are on by default');
  assert.equal(parseProxyFlags(['--kubeconfig=/k', '--node-name=n1', '--pod-routes=false']).podRoutes, false);
});

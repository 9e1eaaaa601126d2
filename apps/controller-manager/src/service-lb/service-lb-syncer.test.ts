import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Node, Service } from '@skiff/api';
import { ApiStatusError, type KubeObject, type WriteOptions } from '@skiff/client';
import { cacheOf } from '../endpoints/recording-client.ts';
import { desiredIngress, LOAD_BALANCER_CLEANUP_FINALIZER as FIN, servingAddressOf } from './load-balancer-status.ts';
import { ServiceLbSyncer } from './service-lb-syncer.ts';

function node(name: string, ip: string, opts: { ready?: boolean; unschedulable?: boolean; excluded?: boolean } = {}): Node {
  return {
    metadata: { name, resourceVersion: '1', ...(opts.excluded ? { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } : {}) },
    spec: { unschedulable: opts.unschedulable },
    status: {
      addresses: [
        { type: 'Hostname', address: name },
        { type: 'InternalIP', address: ip },
      ],
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

function svc(spec: Service['spec'], extra: { finalizers?: string[]; ingress?: string[]; deleting?: boolean } = {}): Service {
  return {
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'u1',
      resourceVersion: '5',
      finalizers: extra.finalizers,
      ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { ports: [{ port: 80 }], ...spec },
    status: { loadBalancer: extra.ingress ? { ingress: extra.ingress.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
  };
}

function slice(nodes: Record<string, boolean>): EndpointSlice {
  return {
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: Object.entries(nodes).map(([nodeName, ready], i) => ({ addresses: [`10.244.${i}.5`], nodeName, conditions: { ready } })),
  };
}

const NODES = [
  node('n3', '10.0.0.30'),
  node('n1', '10.0.0.4'),
  node('n2', '10.0.0.20'),
  node('down', '10.0.0.9', { ready: false }),
  node('cordoned', '10.0.0.10', { unschedulable: true }),
  node('excluded', '10.0.0.11', { excluded: true }),
];

test('serving nodes: Ready, schedulable, not excluded, with an InternalIP', () => {
  assert.deepEqual(NODES.map(servingAddressOf), ['10.0.0.30', '10.0.0.4', '10.0.0.20', undefined, undefined, undefined]);
});

test('ingress: every serving node for Cluster, sorted numerically; for Local only nodes with a ready endpoint', () => {
  const ips = (s: Service, slices: EndpointSlice[] = []) => desiredIngress(s, NODES, slices).map((i) => i.ip);
  assert.deepEqual(ips(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' })), ['10.0.0.4', '10.0.0.20', '10.0.0.30']);
  assert.deepEqual(desiredIngress(svc({ type: 'LoadBalancer' }), NODES, [])[0], { ip: '10.0.0.4', ipMode: 'VIP' });
  const local = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  assert.deepEqual(ips(local, [slice({ n2: true, n3: false, down: true })]), ['10.0.0.20']);
  assert.deepEqual(ips(local), []);
});

interface Write {
  subresource?: string;
  object: Service;
}

function fixture(service: Service, slices: EndpointSlice[] = []) {
  const writes: Write[] = [];
  const events: string[] = [];
  let failNext: number | undefined;
  let rv = 10;
  const client = {
    async update<T extends KubeObject>(_res: unknown, obj: T, opts: WriteOptions = {}): Promise<T> {
      if (failNext) {
        const code = failNext;
        failNext = undefined;
        throw new ApiStatusError(
          { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason: code === 409 ? 'Conflict' : 'NotFound', message: 'injected' },
          'PUT',
        );
      }
      writes.push({ subresource: opts.subresource, object: structuredClone(obj) as Service });
      return { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
    },
  };
  const recorder = { event: (_o: unknown, type: string, reason: string) => void events.push(`${type} ${reason}`) };
  const syncer = new ServiceLbSyncer({ client, services: cacheOf([service]), nodes: cacheOf(NODES), slices: cacheOf(slices), recorder });
  return { writes, events, syncer, fail: (code: number) => (failNext = code) };
}

const summary = (w: Write) =>
  `${w.subresource ?? 'main'} fin=${(w.object.metadata?.finalizers ?? []).join(',')} ingress=${(w.object.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).join(',')}`;

const cases: { name: string; service: Service; slices?: EndpointSlice[]; writes: string[]; events: string[] }[] = [
  {
    name: 'a new LoadBalancer gets the finalizer, then the node addresses',
    service: svc({ type: 'LoadBalancer' }),
    writes: [`main fin=${FIN} ingress=`, `status fin=${FIN} ingress=10.0.0.4,10.0.0.20,10.0.0.30`],
    events: ['Normal EnsuringLoadBalancer', 'Normal EnsuredLoadBalancer'],
  },
  {
    name: 'an up-to-date LoadBalancer is not written',
    service: svc({ type: 'LoadBalancer' }, { finalizers: [FIN], ingress: ['10.0.0.4', '10.0.0.20', '10.0.0.30'] }),
    writes: [],
    events: [],
  },
  {
    name: 'Local follows the ready endpoints',
    service: svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }, { finalizers: [FIN], ingress: ['10.0.0.4'] }),
    slices: [slice({ n3: true })],
    writes: [`status fin=${FIN} ingress=10.0.0.30`],
    events: ['Normal EnsuringLoadBalancer', 'Normal EnsuredLoadBalancer'],
  },
  {
    name: 'a loadBalancerClass is not ours: untouched',
    service: svc({ type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }, { ingress: ['192.0.2.1'] }),
    writes: [],
    events: [],
  },
  {
    name: 'no longer a LoadBalancer: the address is cleared and the finalizer removed',
    service: svc({ type: 'ClusterIP' }, { finalizers: ['keep.me/too', FIN], ingress: ['10.0.0.4'] }),
    writes: ['status fin=keep.me/too,service.kubernetes.io/load-balancer-cleanup ingress=', 'main fin=keep.me/too ingress='],
    events: ['Normal DeletingLoadBalancer', 'Normal DeletedLoadBalancer'],
  },
  {
    name: 'deleted: the finalizer goes so the Service can',
    service: svc({ type: 'LoadBalancer' }, { finalizers: [FIN], ingress: ['10.0.0.4'], deleting: true }),
    writes: [`status fin=${FIN} ingress=`, 'main fin= ingress='],
    events: ['Normal DeletingLoadBalancer', 'Normal DeletedLoadBalancer'],
  },
  {
    name: 'a ClusterIP Service with a stale address (never ours) is cleared',
    service: svc({ type: 'ClusterIP' }, { ingress: ['10.0.0.4'] }),
    writes: ['status fin= ingress='],
    events: [],
  },
];
for (const c of cases) {
  test(`service-lb sync: ${c.name}`, async () => {
    const fx = fixture(c.service, c.slices);
    await fx.syncer.sync('default/web');
    assert.deepEqual(fx.writes.map(summary), c.writes);
    assert.deepEqual(fx.events, c.events);
    for (const w of fx.writes.slice(0, 1)) assert.equal(w.object.metadata?.resourceVersion, '5', 'compare-and-swap on what was read');
  });
}

test('a conflict is returned for a retry; a vanished Service is done', async () => {
  const fx = fixture(svc({ type: 'LoadBalancer' }));
  fx.fail(409);
  await assert.rejects(fx.syncer.sync('default/web'), /service default\/web: add finalizer/);
  const gone = fixture(svc({ type: 'LoadBalancer' }));
  gone.fail(404);
  await gone.syncer.sync('default/web');
  await gone.syncer.sync('default/other');
});

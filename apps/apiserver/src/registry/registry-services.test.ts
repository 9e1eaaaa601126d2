/** ClusterIP and NodePort allocation through the registry, on a real etcd member. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../storage/store.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const services = resource('', 'services');
const user = admin.user;

before(async () => {
  // A /24 keeps "range" arithmetic visible: usable 10.100.0.1-254, .1 kept for `kubernetes`.
  fx = await startRegistryFixture(21120, { serviceClusterIpRange: '10.100.0.0/24', serviceNodePortRange: '30000-30099' });
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

interface Port {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
  targetPort?: number;
}
interface Spec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports: Port[];
}

function svc(name: string, spec: Partial<Spec> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
  };
}

const specOf = (o: KubeObject) => o.spec as Spec;

test('the kubernetes service holds the first IP', async () => {
  const k = await fx.registry.get(services, 'default', 'kubernetes');
  assert.equal(specOf(k).clusterIP, '10.100.0.1');
  assert.deepEqual(specOf(k).clusterIPs, ['10.100.0.1']);
  assert.ok((await fx.registry.clusterIps.listAllocated()).includes('10.100.0.1'));
});

test('50 concurrent creates get distinct IPs and node ports; deletes free them', async () => {
  const created = await Promise.all(Array.from({ length: 50 }, (_, i) => fx.registry.create(services, 'default', svc(`np-${i}`, { type: 'NodePort' }), admin)));
  const ips = created.map((r) => specOf(r.object).clusterIP!);
  const ports = created.map((r) => specOf(r.object).ports[0].nodePort!);
  assert.equal(new Set(ips).size, 50);
  assert.equal(new Set(ports).size, 50);
  for (const ip of ips) assert.match(ip, /^10\.100\.0\.(\d+)$/);
  assert.ok(!ips.includes('10.100.0.1') && !ips.includes('10.100.0.0') && !ips.includes('10.100.0.255'));
  for (const p of ports) assert.ok(p >= 30000 && p <= 30099);
  assert.equal((await fx.registry.clusterIps.listAllocated()).length, 51);
  assert.equal((await fx.registry.nodePorts.listAllocated()).length, 50);
  await Promise.all(created.map((r) => fx.registry.delete(services, 'default', r.object.metadata.name!, {}, user)));
  assert.deepEqual(await fx.registry.clusterIps.listAllocated(), ['10.100.0.1']);
  assert.deepEqual(await fx.registry.nodePorts.listAllocated(), []);
});

test('requested IPs: out of range and taken are 422, a failed create frees what it took', async () => {
  const outside = await apiErrorOf(fx.registry.create(services, 'default', svc('out', { clusterIP: '10.96.0.10' }), admin));
  assert.equal(outside.code, 422);
  assert.equal(outside.details?.causes?.[0]?.field, 'spec.clusterIPs');
  assert.match(outside.message, /provided IP is not in the valid range\. The range of valid IPs is 10\.100\.0\.0\/24/);
  const a = (await fx.registry.create(services, 'default', svc('fixed', { clusterIP: '10.100.0.77' }), admin)).object;
  assert.deepEqual(specOf(a).clusterIPs, ['10.100.0.77']);
  const taken = await apiErrorOf(fx.registry.create(services, 'default', svc('fixed-2', { clusterIP: '10.100.0.77' }), admin));
  assert.equal(taken.code, 422);
  assert.match(taken.message, /provided IP is already allocated/);
  // Same name: the store says AlreadyExists after the IP was reserved; the IP must come back.
  const before = (await fx.registry.clusterIps.listAllocated()).length;
  const dup = await apiErrorOf(fx.registry.create(services, 'default', svc('fixed'), admin));
  assert.equal(dup.code, 409);
  assert.equal((await fx.registry.clusterIps.listAllocated()).length, before);
});

test('headless services get no IP; dryRun allocates nothing', async () => {
  const headless = (await fx.registry.create(services, 'default', svc('headless', { clusterIP: 'None' }), admin)).object;
  assert.equal(specOf(headless).clusterIP, 'None');
  assert.deepEqual(specOf(headless).clusterIPs, ['None']);
  const before = await fx.registry.clusterIps.listAllocated();
  await fx.registry.create(services, 'default', svc('dry', { type: 'NodePort' }), { ...admin, dryRun: true });
  assert.deepEqual(await fx.registry.clusterIps.listAllocated(), before);
  assert.equal((await apiErrorOf(fx.registry.get(services, 'default', 'dry'))).code, 404);
});

test('explicit node ports: taken is 422 on the port path', async () => {
  await fx.registry.create(services, 'default', svc('np-fixed', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), admin);
  const taken = await apiErrorOf(
    fx.registry.create(services, 'default', svc('np-fixed-2', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), admin),
  );
  assert.equal(taken.code, 422);
  assert.equal(taken.message, 'Service "np-fixed-2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  const outside = await apiErrorOf(
    fx.registry.create(services, 'default', svc('np-out', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 31000 }] }), admin),
  );
  assert.equal(outside.code, 422);
});

test('updates keep the IP when the body omits it, refuse to change it, and manage node ports on type changes', async () => {
  const created = (await fx.registry.create(services, 'default', svc('evolving', { type: 'NodePort' }), admin)).object;
  const ip = specOf(created).clusterIP!;
  const port = specOf(created).ports[0].nodePort!;

  // kubectl apply style: clusterIP and nodePort absent from the body.
  const body = svc('evolving', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 9090 }] });
  const kept = (await fx.registry.update(services, 'default', 'evolving', body, admin)).object;
  assert.equal(specOf(kept).clusterIP, ip);
  assert.equal(specOf(kept).ports[0].nodePort, port);
  assert.equal(specOf(kept).ports[0].targetPort, 9090);

  const change = await apiErrorOf(fx.registry.update(services, 'default', 'evolving', svc('evolving', { type: 'NodePort', clusterIP: '10.100.0.200' }), admin));
  assert.equal(change.code, 422);
  assert.match(change.message, /field is immutable/);

  const toClusterIp = (
    await fx.registry.patch(
      services,
      'default',
      'evolving',
      'merge',
      { spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 9090 }] } },
      admin,
    )
  ).object;
  assert.equal(specOf(toClusterIp).ports[0].nodePort, undefined);
  assert.ok(!(await fx.registry.nodePorts.listAllocated()).includes(String(port)), 'the node port is released');

  const back = (await fx.registry.patch(services, 'default', 'evolving', 'merge', { spec: { type: 'NodePort' } }, admin)).object;
  const newPort = specOf(back).ports[0].nodePort!;
  assert.ok(newPort >= 30000 && newPort <= 30099);
  assert.ok((await fx.registry.nodePorts.listAllocated()).includes(String(newPort)));

  await fx.registry.delete(services, 'default', 'evolving', {}, user);
  assert.ok(!(await fx.registry.clusterIps.listAllocated()).includes(ip));
  assert.ok(!(await fx.registry.nodePorts.listAllocated()).includes(String(newPort)));
});

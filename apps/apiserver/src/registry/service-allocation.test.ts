/** LoadBalancer node ports and health check node ports through the registry, on a real etcd member. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../storage/store.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const services = resource('', 'services');

before(async () => {
  fx = await startRegistryFixture(24310, { serviceClusterIpRange: '10.101.0.0/24', serviceNodePortRange: '30300-30349' });
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

interface Spec {
  type?: string;
  ports: { name?: string; port: number; nodePort?: number }[];
  allocateLoadBalancerNodePorts?: boolean;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  loadBalancerClass?: string;
}

function lb(name: string, spec: Partial<Spec> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'http', port: 80 }], ...spec },
  };
}

const specOf = (o: KubeObject) => o.spec as Spec;
const allocated = async () => (await fx.registry.nodePorts.listAllocated()).map(Number);

test('a LoadBalancer gets node ports unless allocateLoadBalancerNodePorts is false; ports the user set are kept', async () => {
  const plain = specOf((await fx.registry.create(services, 'default', lb('lb-plain'), admin)).object);
  assert.equal(plain.allocateLoadBalancerNodePorts, true, 'defaulted true');
  assert.ok(plain.ports[0]!.nodePort! >= 30300 && plain.ports[0]!.nodePort! <= 30349);

  // The port asked for must not be the one plain drew at random (1 in 50 it would be).
  const asked = plain.ports[0]!.nodePort === 30348 ? 30347 : 30348;
  const none = specOf(
    (
      await fx.registry.create(
        services,
        'default',
        lb('lb-none', {
          allocateLoadBalancerNodePorts: false,
          ports: [
            { name: 'http', port: 80 },
            { name: 'admin', port: 81, nodePort: asked },
          ],
        }),
        admin,
      )
    ).object,
  );
  assert.equal(none.ports[0]!.nodePort, undefined);
  assert.equal(none.ports[1]!.nodePort, asked);
  assert.ok((await allocated()).includes(asked));
  // kubectl apply again (no node ports in the body): still none allocated.
  const again = specOf((await fx.registry.update(services, 'default', 'lb-none', lb('lb-none', { allocateLoadBalancerNodePorts: false }), admin)).object);
  assert.equal(again.ports[0]!.nodePort, undefined);
  assert.ok(!(await allocated()).includes(asked), 'the dropped port is released');

  for (const name of ['lb-plain', 'lb-none']) await fx.registry.delete(services, 'default', name, {}, admin.user);
  assert.deepEqual(await allocated(), []);
});

test('healthCheckNodePort: allocated for Local, kept on update, changing it refused, released when Cluster and on delete', async () => {
  const created = specOf((await fx.registry.create(services, 'default', lb('lb-local', { externalTrafficPolicy: 'Local' }), admin)).object);
  const hc = created.healthCheckNodePort!;
  assert.ok(hc >= 30300 && hc <= 30349, `health check port ${hc} in range`);
  assert.notEqual(hc, created.ports[0]!.nodePort);
  assert.ok((await allocated()).includes(hc));

  const kept = specOf((await fx.registry.update(services, 'default', 'lb-local', lb('lb-local', { externalTrafficPolicy: 'Local' }), admin)).object);
  assert.equal(kept.healthCheckNodePort, hc);

  const change = await apiErrorOf(fx.registry.patch(services, 'default', 'lb-local', 'merge', { spec: { healthCheckNodePort: 30347 } }, admin));
  assert.equal(change.code, 422);
  assert.equal(change.details?.causes?.[0]?.field, 'spec.healthCheckNodePort');
  assert.match(change.message, /cannot change healthCheckNodePort on loadBalancer service with externalTraffic=Local during update/);

  const cluster = specOf((await fx.registry.patch(services, 'default', 'lb-local', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } }, admin)).object);
  assert.equal(cluster.healthCheckNodePort, undefined);
  assert.ok(!(await allocated()).includes(hc), 'released once no longer needed');

  const local = specOf((await fx.registry.patch(services, 'default', 'lb-local', 'merge', { spec: { externalTrafficPolicy: 'Local' } }, admin)).object);
  assert.ok(local.healthCheckNodePort);
  await fx.registry.delete(services, 'default', 'lb-local', {}, admin.user);
  assert.deepEqual(await allocated(), []);
});

test('a requested healthCheckNodePort is taken as asked, or refused when taken or out of range', async () => {
  const asked = specOf(
    (await fx.registry.create(services, 'default', lb('lb-asked', { externalTrafficPolicy: 'Local', healthCheckNodePort: 30340 }), admin)).object,
  );
  assert.equal(asked.healthCheckNodePort, 30340);
  const taken = await apiErrorOf(
    fx.registry.create(services, 'default', lb('lb-taken', { externalTrafficPolicy: 'Local', healthCheckNodePort: 30340 }), admin),
  );
  assert.equal(taken.code, 422);
  assert.match(taken.message, /failed to allocate requested HealthCheck NodePort 30340: provided port is already allocated/);
  const outside = await apiErrorOf(
    fx.registry.create(services, 'default', lb('lb-out', { externalTrafficPolicy: 'Local', healthCheckNodePort: 31999 }), admin),
  );
  assert.match(outside.message, /provided port is not in the valid range\. The range of valid ports is 30300-30349/);
  await fx.registry.delete(services, 'default', 'lb-asked', {}, admin.user);
  assert.deepEqual(await allocated(), [], 'failed creates took nothing');
});

test('validation speaks as upstream for fields that need a LoadBalancer', async () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { type: 'NodePort', healthCheckNodePort: 30330 },
      'spec.healthCheckNodePort',
      "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ],
    [{ type: 'ClusterIP', allocateLoadBalancerNodePorts: false }, 'spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"],
    [{ type: 'NodePort', loadBalancerClass: 'example.com/lb' }, 'spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"],
    [{ loadBalancerClass: 'bad class!' }, 'spec.loadBalancerClass', 'name part must consist of'],
  ];
  for (const [spec, field, message] of cases) {
    const err = await apiErrorOf(fx.registry.create(services, 'default', lb('lb-bad', spec), admin));
    assert.equal(err.code, 422, field);
    assert.equal(err.details?.causes?.[0]?.field, field);
    assert.ok(err.message.includes(message), `${err.message} says ${message}`);
  }
  await fx.registry.create(services, 'default', lb('lb-class', { loadBalancerClass: 'example.com/lb' }), admin);
  const immutable = await apiErrorOf(fx.registry.patch(services, 'default', 'lb-class', 'merge', { spec: { loadBalancerClass: 'example.com/other' } }, admin));
  assert.match(immutable.message, /spec\.loadBalancerClass: Invalid value: "example\.com\/other": field is immutable/);
  await fx.registry.delete(services, 'default', 'lb-class', {}, admin.user);
});

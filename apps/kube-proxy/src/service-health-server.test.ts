import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createLogger } from '@skiff/log';
import type { ProxyService, ProxyState } from './proxy-state.ts';
import { serviceHealthChecks, ServiceHealthServer } from './service-health-server.ts';

// Unit tests bind loopback ports from H3's range.
const PORT_A = 24390;
const PORT_B = 24391;

function lb(name: string, extra: Partial<ProxyService> = {}): ProxyService {
  return {
    namespace: 'default',
    name,
    type: 'LoadBalancer',
    clusterIP: '10.96.0.20',
    externalTrafficPolicy: 'Local',
    healthCheckNodePort: PORT_A,
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 },
      { name: 'https', protocol: 'TCP', port: 443, nodePort: 30443 },
    ],
    ...extra,
  };
}

test('health checks: Local load balancers only, counting distinct ready local endpoints over all ports', () => {
  const ep = (ip: string, local: boolean, ready = true) => ({ ip, port: 8080, ready, local });
  const state: ProxyState = {
    services: [lb('web'), lb('cluster', { externalTrafficPolicy: 'Cluster' }), lb('np', { type: 'NodePort' }), lb('none', { healthCheckNodePort: PORT_B })],
    endpoints: {
      'default/web:http': [ep('10.244.1.2', true), ep('10.244.1.3', true, false), ep('10.244.2.2', false)],
      'default/web:https': [ep('10.244.1.2', true), ep('10.244.1.4', true)],
    },
    nodeAddresses: [],
  };
  assert.deepEqual(serviceHealthChecks(state), [
    { namespace: 'default', name: 'web', port: PORT_A, localEndpoints: 2 },
    { namespace: 'default', name: 'none', port: PORT_B, localEndpoints: 0 },
  ]);
});

/** One GET on a fresh connection (a load balancer's probe): status, body and weight, or the connect error code. */
function get(port: number): Promise<{ status: number; body: unknown; weight: string | undefined } | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: JSON.parse(text), weight: res.headers['x-load-balancing-endpoint-weight'] as string | undefined }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(String(err.code)));
    req.end();
  });
}

test('the server answers 200 with local endpoints, 503 without, and opens and closes ports as services come and go', async () => {
  const server = new ServiceHealthServer({ host: '127.0.0.1', logger: createLogger('test', 'silent') });
  try {
    await server.sync([
      { namespace: 'default', name: 'web', port: PORT_A, localEndpoints: 2 },
      { namespace: 'team', name: 'db', port: PORT_B, localEndpoints: 0 },
    ]);
    assert.deepEqual(server.ports, [PORT_A, PORT_B]);
    assert.deepEqual(await get(PORT_A), {
      status: 200,
      weight: '2',
      body: { service: { namespace: 'default', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true },
    });
    assert.deepEqual(await get(PORT_B), {
      status: 503,
      weight: '0',
      body: { service: { namespace: 'team', name: 'db' }, localEndpoints: 0, serviceProxyHealthy: true },
    });

    await server.sync([{ namespace: 'default', name: 'web', port: PORT_A, localEndpoints: 0 }]);
    assert.deepEqual(server.ports, [PORT_A]);
    assert.equal(((await get(PORT_A)) as { status: number }).status, 503, 'the count updates in place');
    assert.equal(await get(PORT_B), 'ECONNREFUSED');
  } finally {
    await server.close();
  }
  assert.equal(await get(PORT_A), 'ECONNREFUSED');
});

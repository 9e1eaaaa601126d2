import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '@skiff/api';
import { fromServices, getServiceEnvVarMap, type ServiceLister } from './env-services.ts';

const svc = (name: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports'], namespace = 'default'): Service => ({
  metadata: { name, namespace },
  spec: { selector: { bar: 'baz' }, clusterIP, ports },
});

test('fromServices: upstream envvars_test TestFromServices, variable for variable', () => {
  const vars = fromServices([
    svc('foo-bar', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }]),
    svc('abc-123', '5.6.7.8', [
      { name: 'u-d-p', port: 8081, protocol: 'UDP' },
      { name: 't-c-p', port: 8081, protocol: 'TCP' },
    ]),
    svc('q-u-u-x', '9.8.7.6', [
      { port: 8082, protocol: 'TCP' },
      { name: '8083', port: 8083, protocol: 'TCP' },
    ]),
    svc('svrc-clusterip-none', 'None', [{ port: 8082, protocol: 'TCP' }]),
    svc('svrc-clusterip-empty', '', [{ port: 8082, protocol: 'TCP' }]),
  ]);
  assert.deepEqual(
    vars.map((v) => `${v.name}=${v.value}`),
    [
      'FOO_BAR_SERVICE_HOST=1.2.3.4',
      'FOO_BAR_SERVICE_PORT=8080',
      'FOO_BAR_PORT=tcp://1.2.3.4:8080',
      'FOO_BAR_PORT_8080_TCP=tcp://1.2.3.4:8080',
      'FOO_BAR_PORT_8080_TCP_PROTO=tcp',
      'FOO_BAR_PORT_8080_TCP_PORT=8080',
      'FOO_BAR_PORT_8080_TCP_ADDR=1.2.3.4',
      'ABC_123_SERVICE_HOST=5.6.7.8',
      'ABC_123_SERVICE_PORT=8081',
      'ABC_123_SERVICE_PORT_U_D_P=8081',
      'ABC_123_SERVICE_PORT_T_C_P=8081',
      'ABC_123_PORT=udp://5.6.7.8:8081',
      'ABC_123_PORT_8081_UDP=udp://5.6.7.8:8081',
      'ABC_123_PORT_8081_UDP_PROTO=udp',
      'ABC_123_PORT_8081_UDP_PORT=8081',
      'ABC_123_PORT_8081_UDP_ADDR=5.6.7.8',
      'ABC_123_PORT_8081_TCP=tcp://5.6.7.8:8081',
      'ABC_123_PORT_8081_TCP_PROTO=tcp',
      'ABC_123_PORT_8081_TCP_PORT=8081',
      'ABC_123_PORT_8081_TCP_ADDR=5.6.7.8',
      'Q_U_U_X_SERVICE_HOST=9.8.7.6',
      'Q_U_U_X_SERVICE_PORT=8082',
      'Q_U_U_X_SERVICE_PORT_8083=8083',
      'Q_U_U_X_PORT=tcp://9.8.7.6:8082',
      'Q_U_U_X_PORT_8082_TCP=tcp://9.8.7.6:8082',
      'Q_U_U_X_PORT_8082_TCP_PROTO=tcp',
      'Q_U_U_X_PORT_8082_TCP_PORT=8082',
      'Q_U_U_X_PORT_8082_TCP_ADDR=9.8.7.6',
      'Q_U_U_X_PORT_8083_TCP=tcp://9.8.7.6:8083',
      'Q_U_U_X_PORT_8083_TCP_PROTO=tcp',
      'Q_U_U_X_PORT_8083_TCP_PORT=8083',
      'Q_U_U_X_PORT_8083_TCP_ADDR=9.8.7.6',
    ],
  );
});

test('fromServices: the kubernetes Service gives what in-cluster clients read; an unset protocol is TCP; IPv6 is bracketed', () => {
  const env = new Map(
    fromServices([svc('kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }])]).map((v) => [v.name, v.value]),
  );
  assert.deepEqual(Object.fromEntries(env), {
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
  });
  const v6 = fromServices([svc('web', 'fd00::10', [{ port: 80 }])]);
  assert.ok(v6.some((v) => v.name === 'WEB_PORT_80_TCP' && v.value === 'tcp://[fd00::10]:80'));
  assert.ok(v6.some((v) => v.name === 'WEB_PORT_80_TCP_ADDR' && v.value === 'fd00::10'));
  assert.deepEqual(fromServices([svc('no-ports', '10.96.0.9', [])]), []);
});

class FakeLister implements ServiceLister {
  synced = true;
  readonly services: Service[];
  constructor(services: Service[]) {
    this.services = services;
  }
  hasSynced() {
    return this.synced;
  }
  list(namespace?: string) {
    return this.services.filter((s) => namespace === undefined || s.metadata?.namespace === namespace);
  }
}

const cluster = new FakeLister([
  svc('kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('other-default', '10.96.0.2', [{ port: 80 }]),
  svc('backend', '10.96.0.3', [{ name: 'http', port: 8080 }], 'shop'),
  svc('headless', 'None', [{ port: 5432 }], 'shop'),
  svc('elsewhere', '10.96.0.4', [{ port: 80 }], 'other'),
]);

test("getServiceEnvVarMap: kubernetes always; the own namespace's Services only with service links", () => {
  const names = (ns: string, links: boolean) => [...getServiceEnvVarMap(ns, links, cluster).keys()].filter((k) => k.endsWith('_SERVICE_HOST')).sort();
  assert.deepEqual(names('shop', true), ['BACKEND_SERVICE_HOST', 'KUBERNETES_SERVICE_HOST']);
  assert.deepEqual(names('shop', false), ['KUBERNETES_SERVICE_HOST']);
  assert.deepEqual(names('default', true), ['KUBERNETES_SERVICE_HOST', 'OTHER_DEFAULT_SERVICE_HOST']);
  assert.deepEqual(names('default', false), ['KUBERNETES_SERVICE_HOST']);
  assert.equal(getServiceEnvVarMap('shop', true, cluster).get('BACKEND_SERVICE_PORT_HTTP'), '8080');
});

test("getServiceEnvVarMap: a Service named kubernetes in the pod's namespace wins there", () => {
  const lister = new FakeLister([...cluster.services, svc('kubernetes', '10.96.0.77', [{ port: 8443 }], 'shop')]);
  assert.equal(getServiceEnvVarMap('shop', true, lister).get('KUBERNETES_SERVICE_HOST'), '10.96.0.77');
  assert.equal(getServiceEnvVarMap('shop', false, lister).get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
});

test('getServiceEnvVarMap: refuses before the Services were listed', () => {
  const lister = new FakeLister([]);
  lister.synced = false;
  assert.throws(() => getServiceEnvVarMap('shop', true, lister), /services have not yet been read at least once, cannot construct envvars/);
});

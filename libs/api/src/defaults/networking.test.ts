import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaulted } from './testing.ts';

const API = 'networking.k8s.io/v1';

test('NetworkPolicy: policyTypes from the rules, as SetDefaults_NetworkPolicy', () => {
  const cases: [Record<string, unknown> | undefined, string[]][] = [
    [undefined, ['Ingress']],
    [{ podSelector: {} }, ['Ingress']],
    [{ podSelector: {}, ingress: [{}] }, ['Ingress']],
    [{ podSelector: {}, egress: [{}] }, ['Ingress', 'Egress']],
    [{ podSelector: {}, egress: [] }, ['Ingress']],
    [{ podSelector: {}, egress: [{}], policyTypes: ['Egress'] }, ['Egress']],
  ];
  for (const [spec, want] of cases) {
    const np = defaulted(API, { kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' }, ...(spec ? { spec } : {}) });
    assert.deepEqual(np.spec.policyTypes, want, JSON.stringify(spec));
    assert.deepEqual(np.spec.podSelector, {}, 'podSelector is always written');
  }
});

test('NetworkPolicy: ports without a protocol are TCP, in ingress and egress rules', () => {
  const np = defaulted(API, {
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace: 'a' },
    spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }], egress: [{ ports: [{ port: 'dns' }] }] },
  });
  assert.deepEqual(np.spec.ingress[0].ports, [
    { port: 80, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ]);
  assert.deepEqual(np.spec.egress[0].ports, [{ port: 'dns', protocol: 'TCP' }]);
});

test('IngressClass: parameters default to the Cluster scope; Ingress gets its always-written structs', () => {
  const ic = defaulted(API, { kind: 'IngressClass', metadata: { name: 'c' }, spec: { controller: 'a.io/b', parameters: { kind: 'P', name: 'p' } } });
  assert.equal(ic.spec.parameters.scope, 'Cluster');
  const bare = defaulted(API, { kind: 'IngressClass', metadata: { name: 'c' }, spec: { controller: 'a.io/b' } });
  assert.deepEqual(bare.spec, { controller: 'a.io/b' });
  const ing = defaulted(API, {
    kind: 'Ingress',
    metadata: { name: 'i', namespace: 'a' },
    spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } },
  });
  assert.deepEqual(ing.status, { loadBalancer: {} });
});

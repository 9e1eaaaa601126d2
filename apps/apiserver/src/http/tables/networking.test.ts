import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { toTable } from './index.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const req = { version: 'v1', includeObject: 'None' } as const;
const group = 'networking.k8s.io';
const meta = (name: string) => ({ name, namespace: 'a', creationTimestamp: '2024-05-01T11:55:00Z' });
const cells = (resource: string, obj: KubeObject) => toTable({ group, resource }, obj, req, now).rows[0]!.cells;
const rule = (host?: string) => ({ ...(host ? { host } : {}), http: { paths: [] } });

test('ingresses: NAME CLASS HOSTS ADDRESS PORTS AGE', () => {
  const ing: KubeObject = {
    apiVersion: `${group}/v1`,
    kind: 'Ingress',
    metadata: meta('web'),
    spec: { ingressClassName: 'skiff', rules: [rule('a.example.com'), rule('b.example.com')], tls: [{ hosts: ['a.example.com'] }] },
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.3' }, { ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.2' }] } },
  };
  const t = toTable({ group, resource: 'ingresses' }, ing, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['web', 'skiff', 'a.example.com,b.example.com', '10.0.0.2,10.0.0.3,lb.example.com', '80, 443', '5m']);
});

test('ingresses: no class, no host, no address, no TLS; more than three hosts abbreviated as kubectl does', () => {
  const bare: KubeObject = { apiVersion: `${group}/v1`, kind: 'Ingress', metadata: meta('any'), spec: { defaultBackend: {} }, status: { loadBalancer: {} } };
  assert.deepEqual(cells('ingresses', bare), ['any', '<none>', '*', '', '80', '5m']);
  const many = { ...bare, spec: { rules: [rule('a.io'), rule(), rule('b.io'), rule('c.io'), rule('d.io'), rule('e.io')] } };
  assert.equal(cells('ingresses', many)[2], 'a.io,b.io,c.io + 3 more...');
  assert.equal(cells('ingresses', { ...bare, spec: { rules: [rule()] } })[2], '*');
});

test('ingressclasses: NAME CONTROLLER PARAMETERS AGE', () => {
  const ic: KubeObject = {
    apiVersion: `${group}/v1`,
    kind: 'IngressClass',
    metadata: { ...meta('skiff'), namespace: undefined },
    spec: { controller: 'skiff.dev/ingress' },
  };
  const t = toTable({ group, resource: 'ingressclasses' }, ic, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Controller', 'Parameters', 'Age'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['skiff', 'skiff.dev/ingress', '<none>', '5m']);
  const withParams = { ...ic, spec: { controller: 'x.io/y', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } };
  assert.equal(cells('ingressclasses', withParams)[2], 'IngressParameters.k8s.example.com/external-lb');
  assert.equal(cells('ingressclasses', { ...ic, spec: { controller: 'x.io/y', parameters: { kind: 'ConfigMap', name: 'cfg' } } })[2], 'ConfigMap/cfg');
});

test('networkpolicies: NAME POD-SELECTOR AGE', () => {
  const np: KubeObject = {
    apiVersion: `${group}/v1`,
    kind: 'NetworkPolicy',
    metadata: meta('db'),
    spec: { podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] } },
  };
  const t = toTable({ group, resource: 'networkpolicies' }, np, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Pod-Selector', 'Age'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['db', 'app=db,tier in (a,b)', '5m']);
  assert.equal(cells('networkpolicies', { ...np, spec: { podSelector: {} } })[1], '<none>');
});

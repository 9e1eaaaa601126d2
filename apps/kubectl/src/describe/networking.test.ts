import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { tabbed } from '../printers/tabwriter.ts';
import type { DescribeEnv } from './describer.ts';
import { describerFor } from './describers.ts';
import { Lines, type Obj } from './lines.ts';

const env = {} as DescribeEnv;
const API = 'networking.k8s.io/v1';

async function describe(kind: string, o: Obj): Promise<string> {
  const w = new Lines();
  await describerFor(findResourceByKind(API, kind)!)(w, o, env);
  return tabbed(w.toString());
}

test('describe ingress: address, class, default backend, TLS, rules by host and path', async () => {
  const out = await describe('Ingress', {
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { team: 'edge' } },
    spec: {
      ingressClassName: 'skiff',
      defaultBackend: { service: { name: 'fallback', port: { number: 8080 } } },
      tls: [{ hosts: ['a.example.com', 'b.example.com'], secretName: 'a-tls' }, { hosts: ['c.example.com'] }],
      rules: [
        {
          host: 'a.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
              { path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } },
            ],
          },
        },
        { http: { paths: [{ path: '/static', pathType: 'Prefix', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'static' } } }] } },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.3' }, { ip: '10.0.0.2' }] } },
  });
  assert.equal(
    out,
    [
      'Name:             web',
      'Labels:           app=web',
      'Namespace:        shop',
      'Address:          10.0.0.2,10.0.0.3',
      'Ingress Class:    skiff',
      'Default backend:  fallback:8080',
      'TLS:',
      '  a-tls terminates a.example.com,b.example.com',
      '  SNI routes c.example.com',
      'Rules:',
      '  Host           Path  Backends',
      '  ----           ----  --------',
      '  a.example.com  ',
      '                 /      web:80',
      '                 /api   api:http',
      '  *              ',
      '                 /static   APIGroup: k8s.example.com, Kind: Bucket, Name: static',
      // One column block with the rules (every line from Host on has a cell at column 0), as Go's tabwriter lays it out.
      'Annotations:     team=edge',
      '',
    ].join('\n'),
  );
});

test('describe ingress without rules: everything to the default backend', async () => {
  const out = await describe('Ingress', {
    metadata: { name: 'all', namespace: 'a' },
    spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
  });
  assert.match(out, /Ingress Class:\s+<none>\n/);
  assert.match(out, /\n {2}\*\s+\*\s+web:80\n/);
});

test("describe networkpolicy: pod selector, each direction's rules, policy types", async () => {
  const out = await describe('NetworkPolicy', {
    metadata: { name: 'db', namespace: 'shop', creationTimestamp: '2026-12-07T01:27:27Z' },
    spec: {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { app: 'web' } }, namespaceSelector: { matchLabels: { team: 'shop' } } },
            { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.0.0/16'] } },
          ],
          ports: [
            { port: 5432, protocol: 'TCP' },
            { port: 6000, endPort: 6010, protocol: 'UDP' },
          ],
        },
        {},
      ],
      policyTypes: ['Ingress', 'Egress'],
    },
  });
  assert.equal(
    out,
    [
      'Name:         db',
      'Namespace:    shop',
      'Created on:   2026-12-07 01:27:27 +0000 UTC',
      'Labels:       <none>',
      'Annotations:  <none>',
      'Spec:',
      '  PodSelector:     app=db',
      '  Allowing ingress traffic:',
      '    To Port: 5432/TCP',
      '    To Port: 6000-6010/UDP',
      '    From:',
      '      NamespaceSelector: team=shop',
      '      PodSelector: app=web',
      '    From:',
      '      IPBlock:',
      '        CIDR: 10.0.0.0/8',
      '        Except: 10.1.0.0/16, 10.2.0.0/16',
      '    ----------',
      '    To Port: <any> (traffic allowed to all ports)',
      '    From: <any> (traffic not restricted by source)',
      '  Allowing egress traffic:',
      '    <none> (Selected pods are isolated for egress connectivity)',
      '  Policy Types: Ingress, Egress',
      '',
    ].join('\n'),
  );
  const open = await describe('NetworkPolicy', {
    metadata: { name: 'all', namespace: 'shop' },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] },
  });
  assert.match(
    open,
    /PodSelector: {5}<none> \(Allowing the specific traffic to all pods in this namespace\)\n {2}Not affecting ingress traffic\n {2}Allowing egress traffic:\n {4}To Port: <any> \(traffic allowed to all ports\)\n {4}To:\n {6}NamespaceSelector: <none>\n/,
  );
});

test('describe ingressclass: controller and parameters', async () => {
  const out = await describe('IngressClass', {
    metadata: { name: 'skiff', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: 'skiff.dev/ingress', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p', scope: 'Cluster' } },
  });
  assert.match(
    out,
    /^Name:\s+skiff\nLabels:\s+<none>\nAnnotations:\s+ingressclass.kubernetes.io\/is-default-class=true\nController:\s+skiff.dev\/ingress\nParameters:\n {2}APIGroup:\s+k8s.example.com\n {2}Kind:\s+Params\n {2}Name:\s+p\n {2}Scope:\s+Cluster\n$/,
  );
});

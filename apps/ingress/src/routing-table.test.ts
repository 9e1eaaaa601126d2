import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, HTTPIngressPath, Ingress, IngressClass, Service } from '@skiff/api';
import { buildRoutingTable, findUpstream, hostOf } from './routing-table.ts';
import { isServedIngress } from './ingress-class.ts';

function svc(name: string, ports: { name?: string; port: number }[], ns = 'default'): Service {
  return { metadata: { name, namespace: ns }, spec: { ports } } as Service;
}

function slice(
  service: string,
  ports: { name?: string; port: number }[],
  eps: { ip: string; ready?: boolean }[],
  ns = 'default',
  name = `${service}-x`,
): EndpointSlice {
  return {
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports,
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: e.ready === undefined ? {} : { ready: e.ready } })),
  } as EndpointSlice;
}

function path(p: string, pathType: string, service: string, port: string | number = 80): HTTPIngressPath {
  return { path: p, pathType, backend: { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } } };
}

function ing(name: string, created: string, rules: { host?: string; paths: HTTPIngressPath[] }[], extra: Partial<Ingress['spec']> = {}): Ingress {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec: { rules: rules.map((r) => ({ host: r.host, http: { paths: r.paths } })), ...extra },
  } as Ingress;
}

// Each service has one endpoint whose IP names it, so a lookup's answer says which service won.
const names = ['a', 'b', 'c', 'd', 'e', 'f'];
const services = names.map((n) => svc(n, [{ name: 'http', port: 80 }]));
const slices = names.map((n, i) => slice(n, [{ name: 'http', port: 8000 + i }], [{ ip: `10.0.0.${i + 1}` }]));
const at = (s: string) => `2026-01-01T00:00:0${s}Z`;

describe('routing table', () => {
  const table = buildRoutingTable({
    services,
    slices,
    ingresses: [
      ing('one', at('1'), [
        {
          host: 'app.example.com',
          paths: [path('/', 'Prefix', 'a'), path('/foo', 'Prefix', 'b'), path('/foo/bar/', 'Prefix', 'c'), path('/exact', 'Exact', 'd')],
        },
        { host: '*.example.com', paths: [path('/', 'ImplementationSpecific', 'e')] },
        { paths: [path('/any', 'Prefix', 'f')] },
      ]),
    ],
  });
  const cases: [string, string, string | undefined][] = [
    ['app.example.com', '/', 'a'],
    ['APP.example.com:8080', '/foo', 'b'],
    ['app.example.com', '/foo/', 'b'],
    ['app.example.com', '/foo/x?q=1', 'b'],
    ['app.example.com', '/foobar', 'a'], // element-wise: /foo does not match /foobar
    ['app.example.com', '/foo/bar', 'c'], // the longest prefix wins; its trailing slash is ignored
    ['app.example.com', '/foo/bar/baz', 'c'],
    ['app.example.com', '/exact', 'd'],
    ['app.example.com', '/exact/more', 'a'], // Exact matches only itself
    ['x.example.com', '/whatever', 'e'], // one label under the wildcard
    ['y.x.example.com', '/any', 'f'], // two labels: not the wildcard, the host-less rules
    ['example.com', '/any/thing', 'f'],
    ['other.org', '/', undefined], // no rule, no default backend: 404
  ];
  for (const [host, url, want] of cases) {
    it(`${host}${url} → ${want ?? '404'}`, () => {
      const up = findUpstream(table, host, url);
      assert.equal(up?.id.split('/')[1]?.split(':')[0], want);
    });
  }

  it('an Exact path wins over a Prefix of the same path', () => {
    const t = buildRoutingTable({ services, slices, ingresses: [ing('x', at('1'), [{ paths: [path('/p', 'Prefix', 'a'), path('/p', 'Exact', 'b')] }])] });
    assert.equal(findUpstream(t, 'h', '/p')?.id, 'default/b:80');
    assert.equal(findUpstream(t, 'h', '/p/q')?.id, 'default/a:80');
  });

  it('the oldest Ingress wins a conflicting host/path, whatever the order in the cache', () => {
    const newer = ing('newer', at('5'), [{ host: 'h', paths: [path('/', 'Prefix', 'b')] }], {
      defaultBackend: { service: { name: 'd', port: { number: 80 } } },
    });
    const older = ing('older', at('2'), [{ host: 'h', paths: [path('/', 'Prefix', 'a')] }], {
      defaultBackend: { service: { name: 'c', port: { number: 80 } } },
    });
    const t = buildRoutingTable({ services, slices, ingresses: [newer, older] });
    assert.equal(findUpstream(t, 'h', '/')?.id, 'default/a:80');
    assert.equal(findUpstream(t, 'other', '/')?.id, 'default/c:80', 'the oldest default backend');
  });

  it("resolves a port by name or number to the slice's target port of ready endpoints only", () => {
    const t = buildRoutingTable({
      services: [
        svc('web', [
          { name: 'http', port: 80 },
          { name: 'admin', port: 9000 },
        ]),
      ],
      slices: [
        slice(
          'web',
          [
            { name: 'http', port: 8080 },
            { name: 'admin', port: 9090 },
          ],
          [
            { ip: '10.1.0.1', ready: true },
            { ip: '10.1.0.2', ready: false },
          ],
          'default',
          'web-1',
        ),
        slice(
          'web',
          [
            { name: 'http', port: 8080 },
            { name: 'admin', port: 9090 },
          ],
          [{ ip: '10.1.0.3' }],
          'default',
          'web-2',
        ),
      ],
      ingresses: [ing('x', at('1'), [{ paths: [path('/', 'Prefix', 'web', 80), path('/admin', 'Prefix', 'web', 'admin')] }])],
    });
    assert.deepEqual(findUpstream(t, 'h', '/')?.endpoints, ['10.1.0.1:8080', '10.1.0.3:8080']);
    assert.deepEqual(findUpstream(t, 'h', '/admin')?.endpoints, ['10.1.0.1:9090', '10.1.0.3:9090']);
  });

  it('a missing Service or port leaves a route with no endpoints (503), not a 404', () => {
    const t = buildRoutingTable({
      services,
      slices,
      ingresses: [ing('x', at('1'), [{ paths: [path('/gone', 'Prefix', 'nope'), path('/p', 'Prefix', 'a', 81)] }])],
    });
    assert.deepEqual(findUpstream(t, 'h', '/gone')?.endpoints, []);
    assert.deepEqual(findUpstream(t, 'h', '/p')?.endpoints, []);
  });

  it('maps TLS hosts to their secrets, the oldest Ingress first', () => {
    const a = ing('a', at('1'), [], { tls: [{ hosts: ['A.example.com', '*.w.example.com'], secretName: 'a-tls' }] });
    const b = ing('b', at('2'), [], { tls: [{ hosts: ['a.example.com', 'b.example.com'], secretName: 'b-tls' }] });
    const t = buildRoutingTable({ services, slices, ingresses: [b, a] });
    assert.deepEqual(
      [...t.tlsSecrets],
      [
        ['a.example.com', 'default/a-tls'],
        ['*.w.example.com', 'default/a-tls'],
        ['b.example.com', 'default/b-tls'],
      ],
    );
  });
});

describe('hostOf', () => {
  for (const [header, want] of [
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['[::1]:80', '::1'],
    [undefined, ''],
  ] as const) {
    it(`${header} → "${want}"`, () => assert.equal(hostOf(header), want));
  }
});

describe('isServedIngress', () => {
  const cls = (name: string, isDefault: boolean): IngressClass =>
    ({ metadata: { name, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} } }) as IngressClass;
  const withClass = (spec?: string, annotation?: string): Ingress =>
    ({ metadata: { name: 'i', annotations: annotation ? { 'kubernetes.io/ingress.class': annotation } : {} }, spec: { ingressClassName: spec } }) as Ingress;
  const cases: [string, Ingress, IngressClass[], boolean][] = [
    ['our class by name', withClass('skiff'), [], true],
    ['another class', withClass('nginx'), [cls('skiff', true)], false],
    ['the deprecated annotation', withClass(undefined, 'skiff'), [], true],
    ['the field wins over the annotation', withClass('nginx', 'skiff'), [], false],
    ['no class, ours is default', withClass(), [cls('skiff', true)], true],
    ['no class, ours is not default', withClass(), [cls('skiff', false)], false],
    ['no class, no class object', withClass(), [], false],
  ];
  for (const [name, ing, classes, want] of cases) it(name, () => assert.equal(isServedIngress(ing, classes, 'skiff'), want));
});

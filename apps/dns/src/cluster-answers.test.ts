import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '@skiff/api';
import { answerClusterQuestion, CLUSTER_TTL, type ClusterView } from './cluster-answers.ts';

const D = 'cluster.local';

function service(ns: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

function slice(
  ns: string,
  svc: string,
  ports: Array<[string, number, string?]>,
  endpoints: Array<{ ip: string; hostname?: string; ready?: boolean }>,
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: `${svc}-abc`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports.map(([name, port, protocol]) => ({ name, port, protocol: protocol ?? 'TCP' })),
    endpoints: endpoints.map((ep) => ({ addresses: [ep.ip], hostname: ep.hostname, conditions: ep.ready === undefined ? {} : { ready: ep.ready } })),
  };
}

function viewOf(services: Service[], slices: EndpointSlice[]): ClusterView {
  return {
    getService: (ns, name) => services.find((s) => s.metadata!.namespace === ns && s.metadata!.name === name),
    getEndpointSlices: (ns, svc) => slices.filter((s) => s.metadata!.namespace === ns && s.metadata!.labels!['kubernetes.io/service-name'] === svc),
    hasServicesIn: (ns) => services.some((s) => s.metadata!.namespace === ns),
  };
}

const view = viewOf(
  [
    service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 8080 }] }),
    service('prod', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
    service('prod', 'empty', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
    service('default', 'ext', { type: 'ExternalName', externalName: 'db.example.com' }),
  ],
  [
    slice(
      'prod',
      'db',
      [['pg', 15432]],
      [
        { ip: '10.244.1.5', hostname: 'db-0' },
        { ip: '10.244.2.6', hostname: 'db-1', ready: true },
        { ip: '10.244.3.7', ready: true },
        { ip: '10.244.4.8', hostname: 'db-3', ready: false },
      ],
    ),
  ],
);

/** [name, type] → rcode and the answer data, in the order given. */
const cases: Array<[string, string, string, unknown[]]> = [
  ['web.default.svc.cluster.local', 'A', 'NOERROR', ['10.96.0.20']],
  ['WEB.default.svc.cluster.local.', 'A', 'NOERROR', ['10.96.0.20']],
  ['web.default.svc.cluster.local', 'AAAA', 'NOERROR', []],
  ['web.default.svc.cluster.local', 'SRV', 'NOERROR', [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]],
  ['_http._tcp.web.default.svc.cluster.local', 'SRV', 'NOERROR', [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]],
  ['_http._udp.web.default.svc.cluster.local', 'SRV', 'NXDOMAIN', []],
  ['_nope._tcp.web.default.svc.cluster.local', 'SRV', 'NXDOMAIN', []],
  ['missing.default.svc.cluster.local', 'A', 'NXDOMAIN', []],
  ['missing.default.svc.cluster.local', 'AAAA', 'NXDOMAIN', []],
  ['db.prod.svc.cluster.local', 'A', 'NOERROR', ['10.244.1.5', '10.244.2.6', '10.244.3.7']],
  ['empty.prod.svc.cluster.local', 'A', 'NOERROR', []],
  ['db-0.db.prod.svc.cluster.local', 'A', 'NOERROR', ['10.244.1.5']],
  ['10-244-3-7.db.prod.svc.cluster.local', 'A', 'NOERROR', ['10.244.3.7']],
  ['db-3.db.prod.svc.cluster.local', 'A', 'NXDOMAIN', []],
  ['db-0.web.default.svc.cluster.local', 'A', 'NXDOMAIN', []],
  [
    '_pg._tcp.db.prod.svc.cluster.local',
    'SRV',
    'NOERROR',
    [
      { priority: 0, weight: 33, port: 15432, target: 'db-0.db.prod.svc.cluster.local' },
      { priority: 0, weight: 33, port: 15432, target: 'db-1.db.prod.svc.cluster.local' },
      { priority: 0, weight: 33, port: 15432, target: '10-244-3-7.db.prod.svc.cluster.local' },
    ],
  ],
  ['_pg._tcp.empty.prod.svc.cluster.local', 'SRV', 'NOERROR', []],
  ['ext.default.svc.cluster.local', 'A', 'NOERROR', ['db.example.com']],
  ['10-244-1-7.default.pod.cluster.local', 'A', 'NOERROR', ['10.244.1.7']],
  ['10-244-1-7.default.pod.cluster.local', 'AAAA', 'NOERROR', []],
  ['default.svc.cluster.local', 'A', 'NOERROR', []],
  ['nothing-here.svc.cluster.local', 'A', 'NXDOMAIN', []],
  ['google.com.default.svc.cluster.local', 'A', 'NXDOMAIN', []],
  ['foo.cluster.local', 'A', 'NXDOMAIN', []],
  ['cluster.local', 'A', 'NOERROR', []],
];

describe('answerClusterQuestion', () => {
  for (const [name, type, rcode, data] of cases) {
    it(`${type} ${name} → ${rcode} ${JSON.stringify(data)}`, () => {
      const got = answerClusterQuestion(name, type, D, view, 42);
      assert.equal(got.rcode, rcode);
      assert.deepEqual(
        got.answers.map((rr) => (rr as { data: unknown }).data),
        data,
      );
      for (const rr of got.answers) assert.equal((rr as { ttl: number }).ttl, CLUSTER_TTL);
      if (data.length === 0) {
        assert.equal(got.authorities.length, 1, 'negative answers carry the SOA');
        const soa = got.authorities[0]!;
        assert.equal(soa.type, 'SOA');
        assert.equal(soa.name, 'cluster.local');
        if (soa.type === 'SOA') assert.deepEqual([soa.data.serial, soa.data.minimum], [42, CLUSTER_TTL]);
      } else {
        assert.deepEqual(got.authorities, []);
      }
    });
  }

  it("keeps the asker's spelling as the owner name", () => {
    const got = answerClusterQuestion('WEB.default.svc.cluster.local.', 'A', D, view);
    assert.equal(got.answers[0]!.name, 'WEB.default.svc.cluster.local');
  });

  it("adds the targets' A records for SRV answers", () => {
    const headless = answerClusterQuestion('_pg._tcp.db.prod.svc.cluster.local', 'SRV', D, view);
    assert.deepEqual(
      headless.additionals.map((rr) => [rr.name, (rr as { data: string }).data]),
      [
        ['db-0.db.prod.svc.cluster.local', '10.244.1.5'],
        ['db-1.db.prod.svc.cluster.local', '10.244.2.6'],
        ['10-244-3-7.db.prod.svc.cluster.local', '10.244.3.7'],
      ],
    );
    const clusterIp = answerClusterQuestion('_http._tcp.web.default.svc.cluster.local', 'SRV', D, view);
    assert.deepEqual(
      clusterIp.additionals.map((rr) => [rr.name, (rr as { data: string }).data]),
      [['web.default.svc.cluster.local', '10.96.0.20']],
    );
  });

  it('answers an ExternalName service with a CNAME', () => {
    const got = answerClusterQuestion('ext.default.svc.cluster.local', 'A', D, view);
    assert.equal(got.answers[0]!.type, 'CNAME');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dashIPv4, isInDomain, parseClusterName, parseDashedIPv4, type ClusterName } from './cluster-name.ts';

const D = 'cluster.local';

describe('parseClusterName', () => {
  const cases: Array<[string, ClusterName | undefined]> = [
    ['web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web' }],
    ['Web.Default.SVC.Cluster.Local.', { kind: 'service', namespace: 'default', service: 'web' }],
    ['db-0.db.prod.svc.cluster.local', { kind: 'endpoint', namespace: 'prod', service: 'db', endpoint: 'db-0' }],
    ['10-1-2-3.db.prod.svc.cluster.local', { kind: 'endpoint', namespace: 'prod', service: 'db', endpoint: '10-1-2-3' }],
    ['_http._tcp.web.default.svc.cluster.local', { kind: 'port', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' }],
    ['_dns._udp.kube-dns.kube-system.svc.cluster.local', { kind: 'port', namespace: 'kube-system', service: 'kube-dns', port: 'dns', protocol: 'udp' }],
    ['_http._icmp.web.default.svc.cluster.local', { kind: 'unknown' }],
    ['http.tcp.web.default.svc.cluster.local', { kind: 'unknown' }],
    ['a.b.c.web.default.svc.cluster.local', { kind: 'unknown' }],
    ['10-244-1-7.default.pod.cluster.local', { kind: 'pod', namespace: 'default', ip: '10.244.1.7' }],
    ['10-244-1-999.default.pod.cluster.local', { kind: 'unknown' }],
    ['x.10-244-1-7.default.pod.cluster.local', { kind: 'unknown' }],
    ['cluster.local', { kind: 'apex' }],
    ['svc.cluster.local', { kind: 'interior', section: 'svc' }],
    ['default.svc.cluster.local', { kind: 'interior', section: 'svc', namespace: 'default' }],
    ['default.pod.cluster.local', { kind: 'interior', section: 'pod', namespace: 'default' }],
    ['foo.cluster.local', { kind: 'unknown' }],
    ['web.bad_ns.svc.cluster.local', { kind: 'unknown' }],
    ['example.com', undefined],
    ['notcluster.local', undefined],
    // A search-path expansion parses as an endpoint; the missing service makes it NXDOMAIN.
    ['google.com.default.svc.cluster.local', { kind: 'endpoint', namespace: 'default', service: 'com', endpoint: 'google' }],
  ];
  for (const [name, want] of cases) {
    it(`${name} → ${want?.kind ?? 'outside'}`, () => assert.deepEqual(parseClusterName(name, D), want));
  }

  it('honours another cluster domain', () => {
    assert.deepEqual(parseClusterName('web.ns.svc.corp.internal', 'corp.internal'), { kind: 'service', namespace: 'ns', service: 'web' });
    assert.equal(parseClusterName('web.ns.svc.cluster.local', 'corp.internal'), undefined);
  });
});

describe('isInDomain and dashed IPs', () => {
  it('matches the domain and its children only', () => {
    assert.equal(isInDomain('cluster.local.', D), true);
    assert.equal(isInDomain('a.cluster.local', D), true);
    assert.equal(isInDomain('acluster.local', D), false);
  });
  it('round-trips dashed IPv4', () => {
    assert.equal(parseDashedIPv4('10-0-0-1'), '10.0.0.1');
    assert.equal(parseDashedIPv4('010-0-0-1'), '10.0.0.1');
    assert.equal(parseDashedIPv4('10-0-0'), undefined);
    assert.equal(parseDashedIPv4('a-b-c-d'), undefined);
    assert.equal(dashIPv4('192.168.0.12'), '192-168-0-12');
  });
});

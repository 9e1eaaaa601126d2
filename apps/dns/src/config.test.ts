import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseDnsFlags, parseResolvConf, parseUpstream } from './config.ts';

describe('parseDnsFlags', () => {
  it('has kube-dns defaults', () => {
    const c = parseDnsFlags(['--kubeconfig=/k']);
    assert.deepEqual([c.bind, c.port, c.clusterDomain, c.upstream, c.metricsPort], ['127.0.0.1', 53, 'cluster.local', [], 9153]);
  });
  it('reads every flag', () => {
    const c = parseDnsFlags(['--kubeconfig=/k', '--bind=0.0.0.0', '--port=5353', '--cluster-domain=corp.internal', '--upstream=1.1.1.1,127.0.0.1:5300', '--metrics-port=0']);
    assert.deepEqual(c.upstream, [{ host: '1.1.1.1', port: 53 }, { host: '127.0.0.1', port: 5300 }]);
    assert.deepEqual([c.bind, c.port, c.clusterDomain, c.metricsPort], ['0.0.0.0', 5353, 'corp.internal', 0]);
  });
  for (const bad of [[], ['--kubeconfig=/k', '--port=70000'], ['--kubeconfig=/k', '--upstream=dns.google'], ['--kubeconfig=/k', '--cluster-domain=Bad_Domain'], ['--kubeconfig=/k', '--what=1']]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseDnsFlags(bad), FlagError));
  }
});

describe('upstreams', () => {
  it('parses IPv4 and IPv6 with and without ports', () => {
    assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353 });
    assert.deepEqual(parseUpstream('fd00::53'), { host: 'fd00::53', port: 53 });
    assert.deepEqual(parseUpstream('10.0.0.2:53'), { host: '10.0.0.2', port: 53 });
  });
  it('reads nameserver lines from resolv.conf', () => {
    const text = '# generated\nsearch example.com\nnameserver 10.0.0.2\n nameserver fe80::1%eth0\noptions ndots:2\n';
    assert.deepEqual(parseResolvConf(text), [{ host: '10.0.0.2', port: 53 }, { host: 'fe80::1', port: 53 }]);
  });
});

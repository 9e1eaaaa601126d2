import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseDnsFlags, parseResolvConf, parseUpstream } from './config.ts';

const required = ['--kubeconfig=/k'];

describe('parseDnsFlags', () => {
  it('has kube-dns defaults', () => {
    assert.deepEqual(parseDnsFlags(required, {}), {
      kubeconfig: '/k',
      bind: '127.0.0.1',
      port: 53,
      clusterDomain: 'cluster.local',
      upstream: [],
      metricsPort: 9153,
      cacheSize: 10_000,
      logLevel: 'info',
    });
  });
  it('reads every flag', () => {
    const c = parseDnsFlags([
      '--kubeconfig=/k',
      '--bind=0.0.0.0',
      '--port=5353',
      '--cluster-domain=corp.internal',
      '--upstream=1.1.1.1,127.0.0.1:5300',
      '--metrics-port=0',
      '--cache-size=5',
    ]);
    assert.deepEqual(c.upstream, [
      { host: '1.1.1.1', port: 53 },
      { host: '127.0.0.1', port: 5300 },
    ]);
    assert.deepEqual([c.bind, c.port, c.clusterDomain, c.metricsPort, c.cacheSize], ['0.0.0.0', 5353, 'corp.internal', 0, 5]);
  });
  const bad: [string[], RegExp][] = [
    [[], /--kubeconfig is required/],
    [[...required, '--port=70000'], /--port: want an integer from 0 to 65535, got "70000"/],
    [[...required, '--upstream=dns.google'], /--upstream: want IP\[:port\], got "dns.google"/],
    [[...required, '--upstream=1.1.1.1:0'], /--upstream: want IP\[:port\], got "1.1.1.1:0"/],
    [[...required, '--cluster-domain=Bad_Domain'], /--cluster-domain: want a lower-case domain name, got "Bad_Domain"/],
    [[...required, '--what=1'], /unknown flag: --what/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${JSON.stringify(argv)}`, () =>
      assert.throws(
        () => parseDnsFlags(argv, {}),
        (e: Error) => e instanceof FlagError && message.test(e.message),
      ));
  }
  it('takes $SKIFF_LOG_LEVEL as the default level, --log-level wins; unknown flags are usage errors', () => {
    assert.equal(parseDnsFlags(required, { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'debug');
    assert.equal(parseDnsFlags([...required, '--log-level=error'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'error');
    assert.throws(
      () => parseDnsFlags([...required, '--no-such-flag=1'], {}),
      (e: Error) => e instanceof FlagError && /^unknown flag: --no-such-flag\nusage: dns /.test(e.message),
    );
  });
});

describe('upstreams', () => {
  it('parses IPv4 and IPv6 with and without ports', () => {
    assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353 });
    assert.deepEqual(parseUpstream('fd00::53'), { host: 'fd00::53', port: 53 });
    assert.deepEqual(parseUpstream('10.0.0.2:53'), { host: '10.0.0.2', port: 53 });
    assert.throws(() => parseUpstream('[::1]:99999'), FlagError);
  });
  it('reads nameserver lines from resolv.conf', () => {
    const text = '# generated\nsearch example.com\nnameserver 10.0.0.2\n nameserver fe80::1%eth0\noptions ndots:2\n';
    assert.deepEqual(parseResolvConf(text), [
      { host: '10.0.0.2', port: 53 },
      { host: 'fe80::1', port: 53 },
    ]);
  });
});

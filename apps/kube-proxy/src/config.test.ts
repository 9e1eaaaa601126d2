import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseProxyFlags } from './config.ts';

const required = ['--kubeconfig=/k', '--node-name=n1'];

test('parseProxyFlags: defaults and every flag', () => {
  assert.deepEqual(parseProxyFlags(required, {}), {
    kubeconfig: '/k',
    nodeName: 'n1',
    minSyncPeriodMs: 1000,
    metricsPort: 10249,
    nodePortAddresses: [],
    allowExternalIPs: false,
    podRoutes: true,
    cleanup: false,
    logLevel: 'info',
  });
  const c = parseProxyFlags(
    [
      ...required,
      '--cluster-cidr=10.244.0.0/16',
      '--min-sync-period-ms=0',
      '--metrics-port=0',
      '--nodeport-addresses=192.168.0.0/16, 10.0.0.0/8',
      '--allow-external-ips',
      '--pod-routes=false',
      '--ip-netns=lab1',
    ],
    {},
  );
  assert.deepEqual(
    [c.clusterCIDR, c.minSyncPeriodMs, c.metricsPort, c.nodePortAddresses, c.allowExternalIPs, c.podRoutes, c.ipNetns],
    ['10.244.0.0/16', 0, 0, ['192.168.0.0/16', '10.0.0.0/8'], true, false, 'lab1'],
  );
  assert.equal('ipNetns' in parseProxyFlags([...required, '--ip-netns='], {}), false, 'an empty --ip-netns means none');
});

test('parseProxyFlags: --cleanup needs nothing else; otherwise --kubeconfig and --node-name are required', () => {
  assert.equal(parseProxyFlags(['--cleanup'], {}).cleanup, true);
  const bad: [string[], RegExp][] = [
    [[], /--kubeconfig and --node-name are required/],
    [['--cleanup=false'], /--kubeconfig and --node-name are required/],
    [[...required, '--nodeport-addresses=10.0.0.0/8,all'], /--nodeport-addresses: want an IPv4 CIDR like 192.168.1.0\/24, or 'primary', got "all"/],
    [[...required, '--pod-routes=yes'], /--pod-routes: want true or false, got "yes"/],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => parseProxyFlags(argv, {}),
      (e: Error) => e instanceof FlagError && message.test(e.message),
      argv.join(' '),
    );
});

test('parseProxyFlags: --nodeport-addresses takes CIDRs and primary', () => {
  assert.deepEqual(parseProxyFlags([...required, '--nodeport-addresses=192.168.1.0/24,primary'], {}).nodePortAddresses, ['192.168.1.0/24', 'primary']);
});

test('parseProxyFlags: $SKIFF_LOG_LEVEL is the default level and --log-level wins; unknown flags are usage errors', () => {
  assert.equal(parseProxyFlags(required, { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'debug');
  assert.equal(parseProxyFlags([...required, '--log-level=error'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'error');
  assert.throws(
    () => parseProxyFlags([...required, '--no-such-flag=1'], {}),
    (e: Error) => e instanceof FlagError && /^unknown flag: --no-such-flag\nusage: kube-proxy /.test(e.message),
  );
});

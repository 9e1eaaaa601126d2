import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseControllerManagerFlags, parseDurationSeconds, selectControllers } from './config.ts';

describe('parseControllerManagerFlags', () => {
  it('applies kube defaults', () => {
    assert.deepEqual(parseControllerManagerFlags(['--kubeconfig=/k'], {}), {
      kubeconfig: '/k',
      leaderElect: true,
      leaseDurationSeconds: 15,
      nodeMonitorGracePeriodSeconds: 40,
      nodeStartupGracePeriodSeconds: 60,
      clusterCidr: '10.244.0.0/16',
      nodeCidrMaskSize: 24,
      controllers: ['*'],
      workers: {},
      metricsPort: 10257,
      logLevel: 'info',
      horizontalPodAutoscalerSyncPeriodSeconds: 15,
      horizontalPodAutoscalerDownscaleStabilizationSeconds: 300,
      horizontalPodAutoscalerCpuInitializationPeriodSeconds: 300,
      horizontalPodAutoscalerInitialReadinessDelaySeconds: 30,
    });
  });

  it('reads the HPA settings as kube-controller-manager spells them', () => {
    const cfg = parseControllerManagerFlags(
      ['--kubeconfig=/k', '--horizontal-pod-autoscaler-sync-period=5s', '--horizontal-pod-autoscaler-downscale-stabilization=1m'],
      {},
    );
    assert.equal(cfg.horizontalPodAutoscalerSyncPeriodSeconds, 5);
    assert.equal(cfg.horizontalPodAutoscalerDownscaleStabilizationSeconds, 60);
  });

  it('parses every flag, in both spellings', () => {
    const cfg = parseControllerManagerFlags([
      '--kubeconfig',
      '/k',
      '--leader-elect=false',
      '--leader-elect-lease-duration=4s',
      '--leader-elect-renew-deadline',
      '3',
      '--leader-elect-retry-period=500ms',
      '--node-monitor-grace-period=1m',
      '--node-startup-grace-period=90',
      '--cluster-cidr=10.200.0.0/14',
      '--node-cidr-mask-size=26',
      '--controllers=*,-node-ipam',
      '--workers=deployment=10,replicaset=2',
      '--concurrent-garbage-collector-syncs=20',
      '--gc-interval=30s',
      '--metrics-port=0',
      '--log-level=debug',
    ]);
    assert.equal(cfg.leaderElect, false);
    assert.equal(cfg.leaseDurationSeconds, 4);
    assert.equal(cfg.renewDeadlineSeconds, 3);
    assert.equal(cfg.retryPeriodSeconds, 0.5);
    assert.equal(cfg.nodeMonitorGracePeriodSeconds, 60);
    assert.equal(cfg.nodeStartupGracePeriodSeconds, 90);
    assert.equal(cfg.clusterCidr, '10.200.0.0/14');
    assert.equal(cfg.nodeCidrMaskSize, 26);
    assert.deepEqual(cfg.controllers, ['*', '-node-ipam']);
    assert.deepEqual(cfg.workers, { deployment: 10, replicaset: 2, 'garbage-collector': 20 });
    assert.equal(cfg.gcIntervalSeconds, 30);
    assert.equal(cfg.metricsPort, 0);
    assert.equal(cfg.logLevel, 'debug');
  });

  it('takes a bare --leader-elect as true without eating the next flag', () => {
    const cfg = parseControllerManagerFlags(['--leader-elect', '--kubeconfig=/k']);
    assert.equal(cfg.leaderElect, true);
    assert.equal(cfg.kubeconfig, '/k');
  });

  it('rejects bad input with the usage', () => {
    const bad: [string[], RegExp][] = [
      [[], /--kubeconfig is required/],
      [['--kubeconfig=/k', '--nope=1'], /unknown flag: --nope/],
      [['--kubeconfig=/k', 'stray'], /unexpected argument/],
      [['--kubeconfig'], /flag needs a value/],
      [['--kubeconfig=/k', '--leader-elect=maybe'], /--leader-elect: want true or false, got "maybe"/],
      [['--kubeconfig=/k', '--node-monitor-grace-period=soon'], /--node-monitor-grace-period: want a duration like 40s, 1m or 1500ms, got "soon"/],
      [['--kubeconfig=/k', '--cluster-cidr=10.0.0.0'], /--cluster-cidr: want an IPv4 CIDR/],
      [['--kubeconfig=/k', '--cluster-cidr=300.0.0.0/8'], /IPv4 CIDR/],
      [['--kubeconfig=/k', '--node-cidr-mask-size=33'], /--node-cidr-mask-size: want an integer from 1 to 32, got "33"/],
      [['--kubeconfig=/k', '--workers=deployment'], /--workers: want KEY=VALUE pairs, got "deployment"/],
      [['--kubeconfig=/k', '--concurrent-deployment-syncs=0'], /--concurrent-deployment-syncs: want an integer ≥ 1, got "0"/],
      [['--kubeconfig=/k', '--metrics-port=70000'], /--metrics-port: want an integer from 0 to 65535, got "70000"/],
      [['--kubeconfig=/k', '--leader-elect-lease-duration=5', '--leader-elect-renew-deadline=5'], /renew-deadline must be shorter/],
    ];
    for (const [argv, message] of bad) {
      assert.throws(
        () => parseControllerManagerFlags(argv, {}),
        (err: Error) => err instanceof FlagError && message.test(err.message) && /usage:/.test(err.message),
        argv.join(' '),
      );
    }
  });

  it('takes $SKIFF_LOG_LEVEL as the default level, --log-level wins; unknown flags are usage errors', () => {
    assert.equal(parseControllerManagerFlags(['--kubeconfig=/k'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'debug');
    assert.equal(parseControllerManagerFlags(['--kubeconfig=/k', '--log-level=error'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'error');
    assert.throws(
      () => parseControllerManagerFlags(['--kubeconfig=/k', '--no-such-flag=1'], {}),
      (e: Error) => e instanceof FlagError && /^unknown flag: --no-such-flag\nusage: controller-manager /.test(e.message),
    );
  });
});

describe('parseDurationSeconds', () => {
  it('reads plain seconds and Go-style durations', () => {
    assert.equal(parseDurationSeconds('f', '40'), 40);
    assert.equal(parseDurationSeconds('f', '2.5'), 2.5);
    assert.equal(parseDurationSeconds('f', '40s'), 40);
    assert.equal(parseDurationSeconds('f', '1m30s'), 90);
    assert.equal(parseDurationSeconds('f', '1h'), 3600);
    assert.equal(parseDurationSeconds('f', '1500ms'), 1.5);
    assert.throws(() => parseDurationSeconds('f', '5x'), FlagError);
    assert.throws(() => parseDurationSeconds('f', '5s garbage'), FlagError);
  });
});

describe('selectControllers', () => {
  const known = ['deployment', 'replicaset', 'node-ipam'];
  it('follows kube --controllers semantics', () => {
    assert.deepEqual(selectControllers(['*'], known), known);
    assert.deepEqual(selectControllers(['*', '-node-ipam'], known), ['deployment', 'replicaset']);
    assert.deepEqual(selectControllers(['replicaset'], known), ['replicaset']);
    assert.deepEqual(selectControllers(['-node-ipam', 'node-ipam'], known), [], 'a disabled name stays off');
    assert.deepEqual(selectControllers([], known), []);
    assert.throws(() => selectControllers(['*', '-typo'], known), /unknown controller "typo"/);
  });
});

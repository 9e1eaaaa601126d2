import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseSchedulerFlags } from './config.ts';

test('parseSchedulerFlags: defaults and overrides', () => {
  assert.deepEqual(parseSchedulerFlags(['--kubeconfig=/k']), {
    kubeconfig: '/k', leaderElect: true, leaseDurationSeconds: 15, metricsPort: 10259, parallelism: 16, percentageOfNodesToScore: 0, logLevel: 'info',
  });
  const cfg = parseSchedulerFlags(['--kubeconfig=/k', '--leader-elect=false', '--metrics-port=0', '--parallelism=32', '--leader-elect-lease-duration=6s']);
  assert.equal(cfg.leaderElect, false);
  assert.equal(cfg.metricsPort, 0);
  assert.equal(cfg.parallelism, 32);
  assert.equal(cfg.leaseDurationSeconds, 6);
});

test('parseSchedulerFlags: rejects bad input', () => {
  for (const argv of [[], ['--kubeconfig=/k', '--parallelism=0'], ['--kubeconfig=/k', '--nope=1'], ['--kubeconfig=/k', '--leader-elect=maybe']]) {
    assert.throws(() => parseSchedulerFlags(argv), FlagError, argv.join(' '));
  }
});

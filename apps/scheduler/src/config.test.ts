import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseSchedulerFlags } from './config.ts';

const required = ['--kubeconfig=/k'];

test('parseSchedulerFlags: defaults and overrides', () => {
  assert.deepEqual(parseSchedulerFlags(required, {}), {
    kubeconfig: '/k',
    leaderElect: true,
    leaseDurationSeconds: 15,
    metricsPort: 10259,
    parallelism: 16,
    percentageOfNodesToScore: 0,
    logLevel: 'info',
  });
  const cfg = parseSchedulerFlags(['--kubeconfig', '/k', '--leader-elect=false', '--metrics-port=0', '--parallelism=32', '--leader-elect-lease-duration=6s']);
  assert.equal(cfg.leaderElect, false);
  assert.equal(cfg.metricsPort, 0);
  assert.equal(cfg.parallelism, 32);
  assert.equal(cfg.leaseDurationSeconds, 6);
});

test('parseSchedulerFlags: rejects bad input', () => {
  const bad: [string[], RegExp][] = [
    [[], /--kubeconfig is required/],
    [[...required, '--parallelism=0'], /--parallelism: want an integer from 1 to 1024, got "0"/],
    [[...required, '--leader-elect=maybe'], /--leader-elect: want true or false/],
    [[...required, '--leader-elect-lease-duration=1s'], /--leader-elect-lease-duration: want a duration .* of at least 2s, got "1s"/],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => parseSchedulerFlags(argv, {}),
      (e: Error) => e instanceof FlagError && message.test(e.message),
      argv.join(' '),
    );
});

test('parseSchedulerFlags: $SKIFF_LOG_LEVEL is the default level and --log-level wins; unknown flags are usage errors', () => {
  assert.equal(parseSchedulerFlags(required, { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'debug');
  assert.equal(parseSchedulerFlags([...required, '--log-level=error'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'error');
  assert.throws(
    () => parseSchedulerFlags([...required, '--no-such-flag=1'], {}),
    (e: Error) => e instanceof FlagError && /^unknown flag: --no-such-flag\nusage: scheduler /.test(e.message),
  );
});

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Container, Pod } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { ProbeManager, type ProbeEvent } from './probe-manager.ts';
import type { ProbeExec, RunningContainer } from './types.ts';

// One probe "second" lasts SECOND ms here, so periodSeconds: 1 probes every SECOND ms.
const SECOND = 20;
const HTTP_PORT = 27211;

/** A fake `docker exec`: each command's exit code comes from `codes`, and every call is counted. */
class FakeExec {
  codes = new Map<string, number>();
  calls: string[] = [];
  readonly fn: ProbeExec = async (containerId, command) => {
    const key = command.join(' ');
    this.calls.push(`${containerId}:${key}`);
    const exitCode = this.codes.get(key) ?? 1;
    return { exitCode, output: exitCode === 0 ? '' : `${key}: failed` };
  };
  count(containerId: string, command: string): number {
    return this.calls.filter((c) => c === `${containerId}:${command}`).length;
  }
}

function harness(opts: { now?: () => number } = {}) {
  const exec = new FakeExec();
  const changes: Array<{ uid: string; calls: number }> = [];
  const events: ProbeEvent[] = [];
  const manager = new ProbeManager({
    logger: createLogger('probe-test', 'silent'),
    exec: exec.fn,
    secondMs: SECOND,
    now: opts.now,
    onChange: (uid) => changes.push({ uid, calls: exec.calls.length }),
    recordEvent: (_pod, ev) => events.push(ev),
  });
  return { exec, changes, events, manager };
}

function podWith(container: Container, uid = 'uid-1'): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid }, spec: { containers: [container] } };
}

const running = (id: string, startedAt = Date.now()): RunningContainer[] => [{ name: 'app', id, startedAt, running: true }];

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProbeManager', () => {
  it('reports readiness false until the probe passes, then flips back after failureThreshold failures', async () => {
    const { exec, changes, events, manager } = harness();
    const pod = podWith({ name: 'app', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, failureThreshold: 2 } });
    try {
      manager.update(pod, '10.0.0.5', running('c1'));
      assert.equal(manager.results('uid-1').readiness.get('app'), false);
      await waitFor('a failed run', () => events.length > 0);
      assert.deepEqual(events[0], {
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: ready: failed',
        fieldPath: 'spec.containers{app}',
      });
      assert.equal(manager.results('uid-1').readiness.get('app'), false);
      assert.equal(changes.length, 0, 'failures while already unready change nothing');

      exec.codes.set('ready', 0);
      await waitFor('ready', () => manager.results('uid-1').readiness.get('app') === true);
      assert.equal(changes.at(-1)?.uid, 'uid-1');

      exec.codes.set('ready', 1);
      const before = exec.count('c1', 'ready');
      await waitFor('unready', () => manager.results('uid-1').readiness.get('app') === false);
      assert.ok(exec.count('c1', 'ready') - before >= 2, 'it took failureThreshold failures');
      assert.deepEqual(manager.livenessFailed('uid-1'), new Set(), 'readiness failures never restart');
    } finally {
      manager.stop();
    }
  });

  it('needs successThreshold successes in a row before ready', async () => {
    const { exec, changes, manager } = harness();
    exec.codes.set('ready', 0);
    try {
      manager.update(
        podWith({ name: 'app', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, successThreshold: 3 } }),
        '10.0.0.5',
        running('c1'),
      );
      await waitFor('ready', () => manager.results('uid-1').readiness.get('app') === true);
      assert.equal(changes[0]?.calls, 3, 'the flip came with the third success');
    } finally {
      manager.stop();
    }
  });

  it('marks a container for restart after failureThreshold liveness failures and stops probing it', async () => {
    const { exec, changes, events, manager } = harness();
    exec.codes.set('alive', 0);
    const pod = podWith({ name: 'app', livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 3 } });
    try {
      manager.update(pod, '10.0.0.5', running('c1'));
      await waitFor('a few passing runs', () => exec.count('c1', 'alive') >= 3);
      assert.deepEqual(manager.livenessFailed('uid-1'), new Set());

      exec.codes.set('alive', 1);
      await waitFor('liveness failure', () => manager.livenessFailed('uid-1').has('app'));
      const failures = events.filter((e) => e.message === 'Liveness probe failed: alive: failed');
      assert.equal(failures.length, 3, 'one event per failed run, up to the threshold');
      assert.equal(changes.length, 1);
      const calls = exec.count('c1', 'alive');
      await sleep(SECOND * 6);
      assert.equal(exec.count('c1', 'alive'), calls, 'no probing while the container waits to be killed');

      // The restarted container (a new id) starts with fresh counters and a clean slate.
      exec.codes.set('alive', 0);
      assert.equal(manager.failedProbe('uid-1', 'app'), 'liveness');
      manager.update(pod, '10.0.0.5', [{ name: 'app', id: 'c1', startedAt: Date.now(), running: false }]);
      assert.deepEqual(manager.livenessFailed('uid-1'), new Set(), 'a stopped container needs no kill');
      manager.update(pod, '10.0.0.5', running('c2'));
      assert.deepEqual(manager.livenessFailed('uid-1'), new Set());
      await waitFor('the new container probed', () => exec.count('c2', 'alive') >= 2);
      exec.codes.set('alive', 1);
      await waitFor('c2 failed too', () => manager.livenessFailed('uid-1').has('app'));
    } finally {
      manager.stop();
    }
  });

  it('holds liveness and readiness until the startup probe passes', async () => {
    const { exec, manager } = harness();
    exec.codes.set('alive', 0);
    exec.codes.set('ready', 0);
    const pod = podWith({
      name: 'app',
      startupProbe: { exec: { command: ['started'] }, periodSeconds: 1, failureThreshold: 1000 },
      livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1 },
      readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 },
    });
    try {
      manager.update(pod, '10.0.0.5', running('c1'));
      await waitFor('startup runs', () => exec.count('c1', 'started') >= 3);
      assert.equal(exec.count('c1', 'alive') + exec.count('c1', 'ready'), 0, 'gated by startup');
      assert.equal(manager.results('uid-1').startup.get('app'), false);
      assert.equal(manager.results('uid-1').readiness.get('app'), false);

      exec.codes.set('started', 0);
      await waitFor('ready', () => manager.results('uid-1').readiness.get('app') === true);
      assert.equal(manager.results('uid-1').startup.get('app'), true);
      await waitFor('liveness runs after startup', () => exec.count('c1', 'alive') > 0);
      const startups = exec.count('c1', 'started');
      await sleep(SECOND * 5);
      assert.equal(exec.count('c1', 'started'), startups, 'a passed startup probe is not run again');
    } finally {
      manager.stop();
    }
  });

  it('restarts a container whose startup probe fails past its threshold', async () => {
    const { exec, events, manager } = harness();
    const pod = podWith({
      name: 'app',
      startupProbe: { exec: { command: ['started'] }, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 7 },
    });
    try {
      manager.update(pod, '10.0.0.5', running('c1'));
      assert.equal(manager.killGracePeriodSeconds('uid-1', 'app'), undefined, 'nothing failed yet');
      await waitFor('startup failure', () => manager.livenessFailed('uid-1').has('app'));
      assert.equal(manager.killGracePeriodSeconds('uid-1', 'app'), 7);
      assert.equal(manager.failedProbe('uid-1', 'app'), 'startup');
      assert.equal(exec.count('c1', 'started'), 2);
      assert.equal(events.filter((e) => e.message === 'Startup probe failed: started: failed').length, 2);
    } finally {
      manager.stop();
    }
  });

  it('waits initialDelaySeconds after the container started', async () => {
    let now = 1_000_000;
    const { exec, manager } = harness({ now: () => now });
    exec.codes.set('ready', 0);
    try {
      manager.update(
        podWith({ name: 'app', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, initialDelaySeconds: 30 } }),
        '10.0.0.5',
        running('c1', now),
      );
      await sleep(SECOND * 5);
      assert.equal(exec.count('c1', 'ready'), 0);
      now += 30 * SECOND;
      await waitFor('ready', () => manager.results('uid-1').readiness.get('app') === true);
    } finally {
      manager.stop();
    }
  });

  it('drops readiness at once when the container stops, and forgets removed pods', async () => {
    const { exec, manager } = harness();
    exec.codes.set('ready', 0);
    const pod = podWith({ name: 'app', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1000 } });
    try {
      manager.update(pod, '10.0.0.5', running('c1'));
      await waitFor('ready', () => manager.results('uid-1').readiness.get('app') === true);
      manager.update(pod, '10.0.0.5', [{ name: 'app', id: 'c1', startedAt: Date.now(), running: false }]);
      assert.equal(manager.results('uid-1').readiness.get('app'), false);
      manager.removePod('uid-1');
      assert.equal(manager.results('uid-1').readiness.size, 0);
    } finally {
      manager.stop();
    }
  });

  describe('with an HTTP readiness probe', () => {
    let status = 200;
    const server = http.createServer((_req, res) => res.writeHead(status).end());
    before(() => new Promise<void>((resolve) => server.listen(HTTP_PORT, '127.0.0.1', resolve)));
    after(() => server.close());

    it('follows the server and records the kubelet event text', async () => {
      const { events, manager } = harness();
      const pod = podWith({
        name: 'app',
        ports: [{ name: 'web', containerPort: HTTP_PORT }],
        readinessProbe: { httpGet: { port: 'web', path: '/healthz' }, periodSeconds: 1, failureThreshold: 1 },
      });
      try {
        manager.update(pod, '127.0.0.1', running('c1'));
        await waitFor('ready', () => manager.results('uid-1').readiness.get('app') === true);
        status = 500;
        await waitFor('unready', () => manager.results('uid-1').readiness.get('app') === false);
        assert.equal(events[0]?.message, 'Readiness probe failed: HTTP probe failed with statuscode: 500');
      } finally {
        manager.stop();
      }
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import type { Container as RuntimeContainer } from '../container-runtime.ts';
import { parseLogQuery, selectLogContainer } from './container-logs.ts';
import { parseStreamRequest, toExitStatus } from './streaming-backend.ts';
import { negotiateProtocol } from './websocket.ts';

describe('parseStreamRequest', () => {
  it('reads exec argv from repeated command= and drops stderr under a TTY', () => {
    assert.deepEqual(parseStreamRequest('/exec/ns1/web/app?command=sh&command=-c&command=echo%20hi&stdin=1&stdout=true&stderr=1&tty=1'), {
      kind: 'exec',
      namespace: 'ns1',
      pod: 'web',
      container: 'app',
      command: ['sh', '-c', 'echo hi'],
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
  });
  it('reads port-forward ports and rejects unknown paths', () => {
    assert.deepEqual(parseStreamRequest('/portForward/default/web?port=80&port=8080')?.ports, [80, 8080]);
    assert.equal(parseStreamRequest('/exec/default/web'), undefined);
    assert.equal(parseStreamRequest('/stats/summary'), undefined);
  });
});

describe('negotiateProtocol', () => {
  it('prefers v5 for exec, v4 for port-forward, binary when nothing is offered', () => {
    assert.equal(negotiateProtocol('exec', 'v4.channel.k8s.io, v5.channel.k8s.io'), 'v5.channel.k8s.io');
    assert.equal(negotiateProtocol('portforward', 'v4.channel.k8s.io'), 'v4.channel.k8s.io');
    assert.equal(negotiateProtocol('exec', undefined), '');
    assert.equal(negotiateProtocol('exec', 'SPDY/3.1+portforward.k8s.io'), undefined);
  });
});

describe('toExitStatus', () => {
  it('carries a non-zero exit code as an ExitCode cause', () => {
    assert.deepEqual(toExitStatus({ exitCode: 0 }), { metadata: {}, status: 'Success' });
    const failed = toExitStatus({ exitCode: 7 }, ['false']);
    assert.equal(failed.reason, 'NonZeroExitCode');
    assert.deepEqual(failed.details?.causes, [{ reason: 'ExitCode', message: '7' }]);
  });
});

describe('container logs', () => {
  const pod = (status: NonNullable<Pod['status']>['containerStatuses']): Pod => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c' }] },
    status: { containerStatuses: status },
  });
  it('picks the current, the previous, or says why not, in upstream words', () => {
    const restarted = pod([
      {
        name: 'c',
        image: '',
        imageID: '',
        ready: true,
        restartCount: 1,
        containerID: 'docker://new',
        state: { running: {} },
        lastState: { terminated: { exitCode: 1, containerID: 'docker://old' } },
      },
    ]);
    const instance = (id: string, attempt: number, state: RuntimeContainer['state']): RuntimeContainer => ({
      id,
      podSandboxId: 's',
      name: 'c',
      attempt,
      image: '',
      imageRef: '',
      state,
      createdAt: attempt,
      labels: {},
    });
    const runtime = [instance('old', 0, 'CONTAINER_EXITED'), instance('new', 1, 'CONTAINER_RUNNING')];
    assert.equal(selectLogContainer(restarted, 'c', false, runtime), 'new');
    assert.equal(selectLogContainer(restarted, 'c', true, runtime), 'old');
    // The ids are the runtime's: a status pointing elsewhere changes nothing.
    const forged = pod([
      {
        name: 'c',
        image: '',
        imageID: '',
        ready: true,
        restartCount: 1,
        containerID: 'docker://other-pods',
        state: { running: {} },
        lastState: { terminated: { exitCode: 1, containerID: 'docker://x' } },
      },
    ]);
    assert.equal(selectLogContainer(forged, 'c', false, runtime), 'new');
    const fresh = pod([{ name: 'c', image: '', imageID: '', ready: true, restartCount: 0, containerID: 'docker://new', state: { running: {} } }]);
    assert.throws(
      () => selectLogContainer(fresh, 'c', true, [instance('new', 0, 'CONTAINER_RUNNING')]),
      /previous terminated container "c" in pod "p" not found/,
    );
    // Crash-looping: the newest instance is the previous one too.
    const looping = pod([
      {
        name: 'c',
        image: '',
        imageID: '',
        ready: false,
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1 } },
      },
    ]);
    assert.equal(
      selectLogContainer(
        looping,
        'c',
        true,
        runtime.map((c) => ({ ...c, state: 'CONTAINER_EXITED' as const })),
      ),
      'new',
    );
    const waiting = pod([{ name: 'c', image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }]);
    assert.throws(() => selectLogContainer(waiting, 'c', false, []), /container "c" in pod "p" is waiting to start: ContainerCreating/);
  });
  it('parses the query like the kubelet', () => {
    const q = parseLogQuery(new URLSearchParams('follow=true&tailLines=5&sinceSeconds=10&limitBytes=100'), 1_000_000);
    assert.deepEqual(q, { follow: true, previous: false, timestamps: false, tailLines: 5, sinceTime: 990_000, limitBytes: 100 });
    assert.throws(() => parseLogQuery(new URLSearchParams('tailLines=x')), /invalid tailLines/);
  });
});

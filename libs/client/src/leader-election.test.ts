import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from '@skiff/api';
import { ApiStatusError } from './api-status-error.ts';
import { LeaderElector, isLeaseExpired, microTime, type LeaderElectionOptions } from './leader-election.ts';
import type { KubeObject } from './rest-client.ts';

/** One Lease in memory with the apiserver's create/CAS-update semantics. */
class FakeLeaseApi {
  lease: Lease | undefined;
  #rv = 1;
  down = false;
  async get<T extends KubeObject>(): Promise<T> {
    if (this.down) throw new Error('ECONNREFUSED');
    if (!this.lease) throw new ApiStatusError({ code: 404, reason: 'NotFound', message: 'not found' });
    return structuredClone(this.lease) as T;
  }
  async create<T extends KubeObject>(_res: unknown, obj: KubeObject): Promise<T> {
    if (this.down) throw new Error('ECONNREFUSED');
    if (this.lease) throw new ApiStatusError({ code: 409, reason: 'AlreadyExists', message: 'exists' });
    this.lease = { ...(obj as Lease), metadata: { ...obj.metadata, resourceVersion: String(++this.#rv) } };
    return structuredClone(this.lease) as T;
  }
  async update<T extends KubeObject>(_res: unknown, obj: KubeObject): Promise<T> {
    if (this.down) throw new Error('ECONNREFUSED');
    if (obj.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
      throw new ApiStatusError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
    }
    this.lease = { ...(obj as Lease), metadata: { ...obj.metadata, resourceVersion: String(++this.#rv) } };
    return structuredClone(this.lease) as T;
  }
}

function elector(api: FakeLeaseApi, identity: string, log: string[], extra: Partial<LeaderElectionOptions> = {}) {
  return new LeaderElector({
    client: api,
    namespace: 'kube-system',
    name: 'test',
    identity,
    leaseDurationSeconds: 1,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
    onStartedLeading: () => void log.push(`start ${identity}`),
    onStoppedLeading: () => void log.push(`stop ${identity}`),
    ...extra,
  });
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('isLeaseExpired / microTime', () => {
  const now = new Date('2024-05-01T10:00:20Z');
  const lease = (holder: string, renew: string, duration = 15): Lease => ({
    spec: { holderIdentity: holder, renewTime: renew, leaseDurationSeconds: duration },
  });
  const table: [string, Lease, boolean][] = [
    ['renewed 5 s ago, 15 s lease', lease('a', '2024-05-01T10:00:15.000000Z'), false],
    ['renewed exactly 15 s ago', lease('a', '2024-05-01T10:00:05.000000Z'), false],
    ['renewed 16 s ago', lease('a', '2024-05-01T10:00:04.000000Z'), true],
    ['released (no holder)', lease('', '2024-05-01T10:00:19.000000Z'), true],
    ['never renewed', { spec: { holderIdentity: 'a' } }, true],
  ];
  for (const [name, l, expired] of table) it(name, () => assert.equal(isLeaseExpired(l, now), expired));
  it('formats MicroTime with microseconds', () => assert.equal(microTime(new Date('2024-05-01T10:00:00.123Z')), '2024-05-01T10:00:00.123000Z'));
});

describe('LeaderElector', () => {
  it('one of two candidates leads; the other takes over after release at once', async () => {
    const api = new FakeLeaseApi();
    const log: string[] = [];
    const a = elector(api, 'a', log);
    const b = elector(api, 'b', log);
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await until(() => a.isLeader(), 'a leads');
    const runB = b.run(stopB.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(b.isLeader(), false, 'b waits while a renews');
    assert.equal(b.getLeader(), 'a');
    const released = Date.now();
    stopA.abort();
    await runA;
    assert.equal(api.lease?.spec?.holderIdentity, '');
    await until(() => b.isLeader(), 'b leads');
    assert.ok(Date.now() - released < 500, 'took over within a retry period or so, not a lease duration');
    assert.equal(api.lease?.spec?.leaseTransitions, 0, 'taking a released lease is not a transition from a holder');
    stopB.abort();
    await runB;
    assert.deepEqual(log, ['start a', 'stop a', 'start b', 'stop b']);
  });

  it('a crashed leader (no release) is replaced once its lease expires', async () => {
    const api = new FakeLeaseApi();
    const log: string[] = [];
    const a = elector(api, 'a', log, { releaseOnCancel: false });
    const stopA = new AbortController();
    const runA = a.run(stopA.signal);
    await until(() => a.isLeader(), 'a leads');
    stopA.abort();
    await runA;
    const crashed = Date.now();
    const b = elector(api, 'b', log);
    const stopB = new AbortController();
    const runB = b.run(stopB.signal);
    await until(() => b.isLeader(), 'b leads');
    const waited = Date.now() - crashed;
    assert.ok(waited >= 700, `b waited only ${waited} ms for a 1 s lease`);
    assert.equal(api.lease?.spec?.leaseTransitions, 1);
    stopB.abort();
    await runB;
  });

  it('a leader that cannot renew steps down by the renew deadline and aborts its work', async () => {
    const api = new FakeLeaseApi();
    const log: string[] = [];
    let workSignal: AbortSignal | undefined;
    const a = elector(api, 'a', log, { onStartedLeading: (signal) => void (workSignal = signal) });
    const stopA = new AbortController();
    const runA = a.run(stopA.signal);
    await until(() => a.isLeader(), 'a leads');
    api.down = true;
    const cut = Date.now();
    await runA;
    const lasted = Date.now() - cut;
    assert.ok(lasted >= 450 && lasted < 1000, `stepped down after ${lasted} ms (deadline 600, lease 1000)`);
    assert.equal(workSignal?.aborted, true);
    assert.equal(a.isLeader(), false);
  });

  it('rejects a renew deadline not shorter than the lease', () => {
    assert.throws(() => elector(new FakeLeaseApi(), 'a', [], { renewDeadlineMs: 1000 }), /renewDeadline/);
  });
});

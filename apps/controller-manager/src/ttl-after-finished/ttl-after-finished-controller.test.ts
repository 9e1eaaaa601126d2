import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { syncTtl, ttlJobEvents, type TtlDeps } from './ttl-after-finished-controller.ts';

function job(opts: { ttl?: number; finishedAt?: string; type?: string } = {}): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'u1', resourceVersion: '7' },
    spec: { template: {}, ...(opts.ttl !== undefined ? { ttlSecondsAfterFinished: opts.ttl } : {}) },
    status: opts.finishedAt ? { conditions: [{ type: opts.type ?? 'Complete', status: 'True', lastTransitionTime: opts.finishedAt }] } : {},
  };
}

function deps(cached: Job | undefined, live: Job | undefined, now: string) {
  const calls: string[] = [];
  const d: TtlDeps = {
    now: () => new Date(now),
    jobLister: { get: () => cached },
    client: {
      get: async <T>() => {
        calls.push('get');
        if (!live) throw new ApiStatusError({ code: 404, reason: 'NotFound', message: 'gone' });
        return live as T;
      },
      delete: async (_res, ns, name, opts) => {
        calls.push(`delete ${ns}/${name} ${opts?.propagationPolicy} uid=${opts?.preconditions?.uid}`);
        return {};
      },
    } as TtlDeps['client'],
  };
  return { d, calls };
}

test('a finished Job is requeued until its TTL runs out, then deleted in the foreground', async () => {
  const j = job({ ttl: 60, finishedAt: '2026-01-01T00:00:00Z' });
  const early = deps(j, j, '2026-01-01T00:00:20Z');
  assert.deepEqual(await syncTtl(early.d, 'default/pi'), { requeueAfter: 40_000 });
  assert.deepEqual(early.calls, []);
  const late = deps(j, j, '2026-01-01T00:01:00Z');
  assert.equal(await syncTtl(late.d, 'default/pi'), undefined);
  assert.deepEqual(late.calls, ['get', 'delete default/pi Foreground uid=u1']);
});

test('a Failed Job expires the same way; a running Job or one without TTL is left alone', async () => {
  const failed = job({ ttl: 0, finishedAt: '2026-01-01T00:00:00Z', type: 'Failed' });
  const f = deps(failed, failed, '2026-01-01T00:00:00Z');
  await syncTtl(f.d, 'default/pi');
  assert.equal(f.calls.length, 2);
  for (const j of [job({ ttl: 10 }), job({ finishedAt: '2026-01-01T00:00:00Z' })]) {
    const x = deps(j, j, '2027-01-01T00:00:00Z');
    assert.equal(await syncTtl(x.d, 'default/pi'), undefined);
    assert.deepEqual(x.calls, []);
  }
});

test('the live object decides: a raised TTL requeues, a vanished Job is nothing to do', async () => {
  const cached = job({ ttl: 10, finishedAt: '2026-01-01T00:00:00Z' });
  const raised = job({ ttl: 100, finishedAt: '2026-01-01T00:00:00Z' });
  const r = deps(cached, raised, '2026-01-01T00:00:30Z');
  assert.deepEqual(await syncTtl(r.d, 'default/pi'), { requeueAfter: 70_000 });
  assert.deepEqual(r.calls, ['get']);
  const gone = deps(cached, undefined, '2026-01-01T00:00:30Z');
  assert.equal(await syncTtl(gone.d, 'default/pi'), undefined);
  assert.deepEqual(gone.calls, ['get']);
});

test('only finished Jobs with a TTL are queued', () => {
  const events = ttlJobEvents();
  assert.equal(events.add!(job({ ttl: 5 })), undefined);
  assert.equal(events.add!(job({ finishedAt: '2026-01-01T00:00:00Z' })), undefined);
  assert.equal(events.add!(job({ ttl: 5, finishedAt: '2026-01-01T00:00:00Z' })), 'default/pi');
});

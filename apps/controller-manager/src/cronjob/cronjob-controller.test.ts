import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCronSchedule, type CronJob, type Job, type ResourceInfo } from '@skiff/api';
import { ApiStatusError, indexByOwnerUid, InformerCache, OWNER_UID_INDEX, type KubeObject } from '@skiff/client';
import { syncCronJob, SCHEDULED_TIMESTAMP_ANNOTATION, type CronJobSyncDeps } from './sync.ts';
import { formatInZone, jobNameForSlot, unmetSchedule } from './schedule-times.ts';

function apiError(code: number, reason: string): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: reason });
}

class World {
  readonly cronJobs = new InformerCache<CronJob>();
  readonly jobs = new InformerCache<Job>();
  readonly actions: string[] = [];
  readonly events: string[] = [];
  now = new Date('2026-03-01T10:00:30Z');
  #seq = 0;
  readonly deps: CronJobSyncDeps;

  constructor(spec: Partial<NonNullable<CronJob['spec']>> = {}) {
    this.jobs.addIndex(OWNER_UID_INDEX, indexByOwnerUid);
    this.cronJobs.upsert({
      metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', resourceVersion: '1', creationTimestamp: '2026-03-01T09:58:10Z' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { containers: [] } } } }, ...spec },
    });
    this.deps = {
      now: () => this.now,
      cronJobLister: this.cronJobs,
      jobLister: this.jobs,
      recorder: { event: (_o, type, reason, message) => void this.events.push(`${type} ${reason}: ${message}`) },
      client: {
        get: async <T extends KubeObject>(_res: ResourceInfo, ns: string | undefined, name: string) => {
          const found = this.jobs.get(ns, name);
          if (!found) throw apiError(404, 'NotFound');
          return found as unknown as T;
        },
        create: async <T extends KubeObject>(_res: ResourceInfo, obj: T) => {
          if (this.jobs.get(obj.metadata?.namespace, obj.metadata!.name!)) throw apiError(409, 'AlreadyExists');
          this.actions.push(`create ${obj.metadata?.name}`);
          const stored = {
            ...structuredClone(obj),
            metadata: { ...structuredClone(obj.metadata), uid: `job-${++this.#seq}`, creationTimestamp: this.now.toISOString() },
          };
          this.jobs.upsert(stored as Job);
          return stored as T;
        },
        update: async <T extends KubeObject>(_res: ResourceInfo, obj: T) => {
          this.actions.push('update status');
          const next = structuredClone(obj) as any;
          next.metadata.resourceVersion = String(Number(next.metadata.resourceVersion) + 1);
          this.cronJobs.upsert(next);
          return next as T;
        },
        delete: async (_res: ResourceInfo, ns: string | undefined, name: string, opts?: { propagationPolicy?: string }) => {
          const found = this.jobs.get(ns, name);
          if (!found) throw apiError(404, 'NotFound');
          this.actions.push(`delete ${name} ${opts?.propagationPolicy}`);
          this.jobs.remove(found);
          return {};
        },
      },
    };
  }

  cj(): CronJob {
    return this.cronJobs.get('default', 'tick')!;
  }

  sync() {
    return syncCronJob(this.deps, 'default/tick');
  }

  finish(name: string, type: 'Complete' | 'Failed'): void {
    const job = structuredClone(this.jobs.get('default', name)!) as any;
    job.status = {
      startTime: job.metadata.creationTimestamp,
      conditions: [{ type, status: 'True' }],
      ...(type === 'Complete' ? { completionTime: this.now.toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
    };
    this.jobs.upsert(job);
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

test('the latest unmet activation starts a Job named after its slot, and the sync comes back after the next one', async () => {
  const w = new World();
  const result = await w.sync();
  const slot = new Date('2026-03-01T10:00:00Z');
  const name = jobNameForSlot('tick', slot);
  assert.equal(name, `tick-${slot.getTime() / 60_000}`);
  assert.deepEqual(w.actions, [`create ${name}`, 'update status']);
  const job = w.jobs.get('default', name)!;
  assert.equal(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2026-03-01T10:00:00Z');
  assert.deepEqual(job.metadata?.labels, { app: 'tick' });
  assert.equal(job.metadata?.ownerReferences?.[0]?.uid, 'cj-uid');
  assert.equal(w.cj().status?.lastScheduleTime, '2026-03-01T10:00:00Z');
  assert.deepEqual(
    w.cj().status?.active?.map((r) => r.name),
    [name],
  );
  assert.deepEqual(result, { requeueAfter: 30_100 });
});

test('a slot never runs twice: after a restart that lost the status write, the existing Job is recorded, not rerun', async () => {
  const w = new World();
  await w.sync();
  const cj = structuredClone(w.cj()) as any;
  delete cj.status;
  w.cronJobs.upsert(cj);
  w.actions.length = 0;
  await w.sync();
  assert.deepEqual(w.actions, ['update status']);
  assert.equal(w.jobs.list('default').length, 1);
  assert.equal(w.cj().status?.lastScheduleTime, '2026-03-01T10:00:00Z');
  assert.equal(w.cj().status?.active?.length, 1);
});

test('a create answering AlreadyExists (the Job cache lags) is taken as the slot having run', async () => {
  const w = new World();
  const attempts: string[] = [];
  (w.deps.client as any).create = async (_res: unknown, obj: Job) => {
    attempts.push(obj.metadata!.name!);
    throw apiError(409, 'AlreadyExists');
  };
  await w.sync();
  assert.equal(attempts.length, 1);
  assert.equal(w.cj().status?.lastScheduleTime, '2026-03-01T10:00:00Z');
  await w.sync();
  assert.equal(attempts.length, 1, 'the slot is not tried again');
});

test('Forbid skips a slot while the previous Job runs; Replace deletes it; Allow overlaps', async () => {
  for (const [policy, want] of [
    ['Forbid', 1],
    ['Replace', 1],
    ['Allow', 2],
  ] as const) {
    const w = new World({ concurrencyPolicy: policy });
    await w.sync();
    w.advance(60_000);
    await w.sync();
    assert.equal(w.jobs.list('default').length, want, policy);
    if (policy === 'Forbid') assert.ok(w.events.some((e) => e.startsWith('Normal JobAlreadyActive')));
    if (policy === 'Replace') assert.ok(w.actions.some((a) => a.startsWith('delete tick-') && a.endsWith('Background')));
  }
});

test('finished Jobs leave status.active, lastSuccessfulTime moves, and history limits trim the oldest', async () => {
  const w = new World({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
  const names: string[] = [];
  for (let i = 0; i < 4; i++) {
    await w.sync();
    const name = w.cj().status!.active![0]!.name!;
    names.push(name);
    w.finish(name, 'Complete');
    w.advance(60_000);
  }
  await w.sync();
  const left = w.jobs
    .list('default')
    .map((j) => j.metadata!.name!)
    .sort();
  assert.ok(!left.includes(names[0]!) && !left.includes(names[1]!), 'the two oldest successes were deleted');
  assert.ok(left.includes(names[2]!) && left.includes(names[3]!));
  assert.ok(w.cj().status?.lastSuccessfulTime);
  assert.ok(w.events.some((e) => e.startsWith('Normal SawCompletedJob')));
});

test('suspend starts nothing; startingDeadlineSeconds misses a late slot', async () => {
  const s = new World({ suspend: true });
  assert.equal(await s.sync(), undefined);
  assert.equal(s.jobs.list().length, 0);
  const late = new World({ startingDeadlineSeconds: 10 });
  await late.sync();
  assert.equal(late.jobs.list().length, 0, '10:00:00 is 30 s ago, past a 10 s deadline');
});

test('more than 100 missed start times: a warning, and only the latest starts', async () => {
  const w = new World();
  w.advance(3 * 3600_000);
  await w.sync();
  assert.equal(w.jobs.list().length, 1);
  assert.equal(w.cj().status?.lastScheduleTime, '2026-03-01T13:00:00Z');
  assert.ok(
    w.events.some((e) => /^Warning TooManyMissedTimes: too many missed start times: 18[0-9]\. Set or decrease/.test(e)),
    w.events.join('\n'),
  );
});

test('unmetSchedule: exact below the limit, estimated above, and the latest is found either way', () => {
  const every = parseCronSchedule('*/1 * * * *');
  const a = unmetSchedule(every, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:05:30Z'));
  assert.equal(a.missed, 5);
  assert.equal(a.mostRecent?.toISOString(), '2026-01-01T00:05:00.000Z');
  const b = unmetSchedule(every, new Date('2025-01-01T00:00:00Z'), new Date('2026-01-01T00:05:30Z'));
  assert.equal(b.missed, 365 * 24 * 60 + 5);
  assert.equal(b.mostRecent?.toISOString(), '2026-01-01T00:05:00.000Z');
  const none = unmetSchedule(parseCronSchedule('0 0 1 1 *'), new Date('2026-01-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z'));
  assert.deepEqual(none, { mostRecent: undefined, missed: 0 });
});

test("the scheduled-timestamp annotation is RFC 3339 in the CronJob's time zone", () => {
  const at = new Date('2026-03-01T10:00:00Z');
  assert.equal(formatInZone(at, undefined), '2026-03-01T10:00:00Z');
  assert.equal(formatInZone(at, 'Europe/Paris'), '2026-03-01T11:00:00+01:00');
  assert.equal(formatInZone(at, 'America/New_York'), '2026-03-01T05:00:00-05:00');
  assert.equal(formatInZone(new Date('2026-01-01T00:30:00Z'), 'Europe/London'), '2026-01-01T00:30:00Z');
  assert.equal(formatInZone(new Date('2026-06-01T00:00:00Z'), 'Asia/Kolkata'), '2026-06-01T05:30:00+05:30');
});

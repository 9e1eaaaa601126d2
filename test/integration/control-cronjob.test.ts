/**
 * CronJobs on hollow nodes with real etcd, apiserver, controller-manager and scheduler, over
 * two activations of `*\/1 * * * *` (about two minutes): the first fires within the minute
 * and its Job runs; a controller-manager restart that finds the slot unrecorded does not run
 * it again; at the second activation the history limit trims the older Job and Forbid does
 * not start a second Job while the first still runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type CronJob, type Event, type Job } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { eventually, startControllerManager, startControlPlane, type ControlPlane } from '../harness/index.ts';

// Ports 29410-29411 (etcd) and 29460 (apiserver) belong to this file.
const BASE_PORT = 29410;
const API_PORT = 29460;
const NS = 'default';

const CRONJOBS = findResourceByKind('batch/v1', 'CronJob')!;
const JOBS = findResourceByKind('batch/v1', 'Job')!;
const EVENTS = findResourceByKind('v1', 'Event')!;
const SCHEDULED = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

function cronJob(name: string, opts: { exitAfter?: string; concurrencyPolicy?: string; successfulJobsHistoryLimit?: number }): CronJob {
  const annotations: Record<string, string> = opts.exitAfter ? { 'hollow.skiff.dev/exit-after': opts.exitAfter } : {};
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NS },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: opts.concurrencyPolicy ?? 'Allow',
      successfulJobsHistoryLimit: opts.successfulJobsHistoryLimit ?? 3,
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: {
          template: {
            metadata: { labels: { cron: name }, annotations },
            spec: { restartPolicy: 'Never', containers: [{ name: 'tick', image: 'registry.local/tick:1' }] },
          },
        },
      },
    },
  };
}

const isComplete = (job: Job) => job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false;

describe('CronJobs on hollow nodes', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let client: RestClient;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: API_PORT, kubeletProcesses: 2 });
    client = cp.client;
  });
  after(async () => {
    await cp?.stop();
  });

  const jobsOf = async (cron: string) =>
    (await client.list<Job>(JOBS, NS, { labelSelector: `cron=${cron}` })).items.filter((j) => j.metadata?.ownerReferences?.[0]?.name === cron);
  const createdEvents = async (jobName: string) =>
    (await client.list<Event>(EVENTS, NS)).items.filter((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${jobName}`);

  let firstJob: Job;

  it('a */1 CronJob fires within the minute, its Job is named after the slot and runs to Complete', async () => {
    await client.create(CRONJOBS, cronJob('every', { exitAfter: '1s', successfulJobsHistoryLimit: 1 }));
    await client.create(CRONJOBS, cronJob('forbid', { concurrencyPolicy: 'Forbid' })); // its Job runs until deleted
    firstJob = await eventually(
      async () => {
        const jobs = await jobsOf('every');
        assert.equal(jobs.length, 1);
        assert.ok(isComplete(jobs[0]!), 'the Job ran to Complete');
        return jobs[0]!;
      },
      80_000,
      1000,
    );
    const scheduled = firstJob.metadata?.annotations?.[SCHEDULED];
    assert.ok(scheduled, 'the Job carries its scheduled time');
    assert.equal(new Date(scheduled).getUTCSeconds(), 0);
    assert.equal(firstJob.metadata?.name, `every-${Date.parse(scheduled) / 60_000}`);
    const cj = await eventually(
      async () => {
        const c = await client.get<CronJob>(CRONJOBS, NS, 'every');
        assert.ok(c.status?.lastSuccessfulTime, 'lastSuccessfulTime follows the Job');
        assert.equal(c.status?.active?.length ?? 0, 0, 'the finished Job left status.active');
        return c;
      },
      20_000,
      500,
    );
    assert.equal(Date.parse(cj.status!.lastScheduleTime!), Date.parse(scheduled));
  });

  it('a controller-manager restart that finds the slot unrecorded does not run it again', async () => {
    await cp.controllerManagers[0]!.stop(5000);
    // As if the status write had been lost before the crash: the slot looks unmet again.
    const cj = await client.get<CronJob>(CRONJOBS, NS, 'every');
    await client.update(CRONJOBS, { ...cj, status: {} }, { subresource: 'status' });
    // Replaced in place, so the control plane's stop() stops the new one.
    cp.controllerManagers[0] = await startControllerManager(cp.cluster, { name: 'controller-manager-2' });
    await eventually(
      async () => {
        const c = await client.get<CronJob>(CRONJOBS, NS, 'every');
        assert.ok(c.status?.lastScheduleTime, 'the restarted controller recorded the slot');
      },
      30_000,
      500,
    );
    const jobs = await jobsOf('every');
    const same = jobs.find((j) => j.metadata?.name === firstJob.metadata?.name);
    assert.equal(same?.metadata?.uid, firstJob.metadata?.uid, "the slot's Job is the one from before the restart");
    assert.equal((await createdEvents(firstJob.metadata!.name!)).length, 1, 'created once');
  });

  it('at the next activation the history limit keeps only the newest Job, and Forbid does not overlap', async () => {
    await eventually(
      async () => {
        const jobs = await jobsOf('every');
        assert.equal(jobs.length, 1, `one Job kept (got ${jobs.map((j) => j.metadata?.name)})`);
        assert.notEqual(jobs[0]!.metadata?.name, firstJob.metadata?.name, 'the older Job was trimmed');
        assert.ok(isComplete(jobs[0]!));
      },
      80_000,
      1000,
    );
    await eventually(
      async () => {
        const events = (await client.list<Event>(EVENTS, NS)).items.filter((e) => e.involvedObject?.name === 'forbid' && e.reason === 'JobAlreadyActive');
        assert.ok(events.length > 0, 'Forbid skipped the slot');
        assert.equal(events[0]!.message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
      },
      20_000,
      1000,
    );
    const forbidJobs = await jobsOf('forbid');
    assert.equal(forbidJobs.length, 1, 'Forbid never ran two Jobs');
    const forbid = await client.get<CronJob>(CRONJOBS, NS, 'forbid');
    assert.deepEqual(
      forbid.status?.active?.map((r) => r.name),
      [forbidJobs[0]!.metadata?.name],
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob } from '@skiff/api';
import { cronJobFromImage, jobFromCronJob, jobFromImage } from './create-job.ts';

test('create job: a container named after the job, the words after NAME as its command, pods never restart', () => {
  assert.deepEqual(jobFromImage({ name: 'pi', image: 'busybox', command: ['sh', '-c', 'echo 3.14'] }), {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi' },
    spec: { template: { spec: { containers: [{ name: 'pi', image: 'busybox', command: ['sh', '-c', 'echo 3.14'] }], restartPolicy: 'Never' } } },
  });
  assert.deepEqual(jobFromImage({ name: 'pi', image: 'busybox', command: [], namespace: 'batch' }).metadata, { name: 'pi', namespace: 'batch' });
  assert.equal('command' in jobFromImage({ name: 'pi', image: 'busybox', command: [] }).spec!.template.spec!.containers[0], false);
});

test('create cronjob: schedule, a jobTemplate named after it, OnFailure unless --restart says otherwise', () => {
  const cj = cronJobFromImage({ name: 'tick', image: 'busybox', command: ['date'], schedule: '*/1 * * * *' });
  assert.equal(cj.spec?.schedule, '*/1 * * * *');
  assert.equal(cj.spec?.jobTemplate.metadata?.name, 'tick');
  assert.deepEqual(cj.spec?.jobTemplate.spec?.template.spec?.containers, [{ name: 'tick', image: 'busybox', command: ['date'] }]);
  assert.equal(cj.spec?.jobTemplate.spec?.template.spec?.restartPolicy, 'OnFailure');
  assert.equal(
    cronJobFromImage({ name: 't', image: 'b', command: [], schedule: '@daily', restart: 'Never' }).spec?.jobTemplate.spec?.template.spec?.restartPolicy,
    'Never',
  );
});

test('create job --from=cronjob: the jobTemplate, the manual annotation, the CronJob as controller', () => {
  const cj: CronJob = {
    metadata: { name: 'tick', namespace: 'default', uid: 'u-1' },
    spec: {
      schedule: '@hourly',
      jobTemplate: {
        metadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
        spec: { backoffLimit: 2, template: { spec: { containers: [{ name: 'tick', image: 'busybox' }], restartPolicy: 'OnFailure' } } },
      },
    },
  };
  const job = jobFromCronJob('tick-manual', cj, undefined);
  assert.deepEqual(job.metadata, {
    name: 'tick-manual',
    annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', note: 'x' },
    labels: { team: 'a' },
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'u-1', controller: true }],
  });
  assert.deepEqual(job.spec, cj.spec?.jobTemplate.spec);
  assert.notEqual(job.spec, cj.spec?.jobTemplate.spec);
});

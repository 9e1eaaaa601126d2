import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaulted } from './testing.ts';

const template = { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } };

test('Job: completions and parallelism follow SetDefaults_Job', () => {
  const cases: [Record<string, number>, { completions?: number; parallelism: number }][] = [
    [{}, { completions: 1, parallelism: 1 }],
    [{ parallelism: 3 }, { parallelism: 3 }],
    [{ completions: 5 }, { completions: 5, parallelism: 1 }],
    [
      { completions: 0, parallelism: 0 },
      { completions: 0, parallelism: 0 },
    ],
  ];
  for (const [given, want] of cases) {
    const job = defaulted('batch/v1', { kind: 'Job', metadata: { name: 'j' }, spec: { ...given, template } });
    assert.equal(job.spec.completions, want.completions, JSON.stringify(given));
    assert.equal(job.spec.parallelism, want.parallelism, JSON.stringify(given));
  }
});

test('Job: the rest of SetDefaults_Job, and pod defaults but for restartPolicy left to validation', () => {
  const job = defaulted('batch/v1', { kind: 'Job', metadata: { name: 'j' }, spec: { template } });
  assert.equal(job.spec.backoffLimit, 6);
  assert.equal(job.spec.completionMode, 'NonIndexed');
  assert.equal(job.spec.suspend, false);
  assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.equal(job.spec.manualSelector, undefined);
  assert.deepEqual(job.metadata.labels, { app: 'pi' });
  assert.equal(job.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(job.status, {});

  const perIndex = defaulted('batch/v1', {
    kind: 'Job',
    metadata: { name: 'j', labels: { own: 'yes' } },
    spec: {
      completionMode: 'Indexed',
      completions: 3,
      backoffLimitPerIndex: 1,
      template,
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
    },
  });
  assert.equal(perIndex.spec.backoffLimit, 2147483647);
  assert.equal(perIndex.spec.podReplacementPolicy, 'Failed');
  assert.equal(perIndex.spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
  assert.deepEqual(perIndex.metadata.labels, { own: 'yes' });
});

test('CronJob: SetDefaults_CronJob, and the job template only gets pod defaults', () => {
  const cj = defaulted('batch/v1', {
    kind: 'CronJob',
    metadata: { name: 'c' },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template } } },
  });
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.schedulerName, 'default-scheduler');
  assert.deepEqual(cj.status, {});
});

test('StorageClass: Delete and Immediate unless said otherwise', () => {
  const sc = defaulted('storage.k8s.io/v1', { kind: 'StorageClass', metadata: { name: 's' }, provisioner: 'skiff.dev/local-path' });
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  const kept = defaulted('storage.k8s.io/v1', {
    kind: 'StorageClass',
    metadata: { name: 's' },
    provisioner: 'p',
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  assert.equal(kept.reclaimPolicy, 'Retain');
  assert.equal(kept.volumeBindingMode, 'WaitForFirstConsumer');
});

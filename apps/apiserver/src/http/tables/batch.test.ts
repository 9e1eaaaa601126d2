import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { toTable } from './index.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now - s * 1000).toISOString();
const wide = { version: 'v1', includeObject: 'None' } as const;

function job(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', creationTimestamp: ago(600), ...meta },
    spec: {
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
      template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } },
      ...spec,
    },
    status,
  };
}

const cells = (obj: KubeObject, resource: string) => toTable({ group: 'batch', resource }, obj, wide, now).rows[0]!.cells;

test('jobs: NAME STATUS COMPLETIONS DURATION AGE, wide CONTAINERS IMAGES SELECTOR', () => {
  const t = toTable({ group: 'batch', resource: 'jobs' }, job({ completions: 1 }, {}), wide, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Status:0', 'Completions:0', 'Duration:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['pi', 'Running', '0/1', '', '10m', 'pi', 'perl', 'batch.kubernetes.io/controller-uid=u1']);
});

test('jobs: STATUS from conditions, deletion first among the non-terminal ones', () => {
  const cond = (type: string, status = 'True') => ({ conditions: [{ type, status }] });
  assert.equal(cells(job({}, cond('Complete')), 'jobs')[1], 'Complete');
  assert.equal(cells(job({}, cond('Failed')), 'jobs')[1], 'Failed');
  assert.equal(cells(job({}, cond('Suspended')), 'jobs')[1], 'Suspended');
  assert.equal(cells(job({}, cond('Suspended', 'False')), 'jobs')[1], 'Running');
  assert.equal(cells(job({}, cond('FailureTarget')), 'jobs')[1], 'FailureTarget');
  assert.equal(cells(job({}, cond('SuccessCriteriaMet')), 'jobs')[1], 'SuccessCriteriaMet');
  assert.equal(cells(job({}, cond('Suspended'), { deletionTimestamp: ago(1) }), 'jobs')[1], 'Terminating');
  assert.equal(cells(job({}, cond('Complete'), { deletionTimestamp: ago(1) }), 'jobs')[1], 'Complete');
});

test('jobs: COMPLETIONS for fixed counts and work queues; DURATION to completion or now', () => {
  assert.equal(cells(job({ completions: 3 }, { succeeded: 2 }), 'jobs')[2], '2/3');
  assert.equal(cells(job({ parallelism: 4 }, { succeeded: 0 }), 'jobs')[2], '0/1 of 4');
  assert.equal(cells(job({ parallelism: 1 }, { succeeded: 1 }), 'jobs')[2], '1/1');
  assert.equal(cells(job({}, { startTime: ago(95), completionTime: ago(30) }), 'jobs')[3], '65s');
  assert.equal(cells(job({}, { startTime: ago(300) }), 'jobs')[3], '5m');
});

test('cronjobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, wide CONTAINERS IMAGES SELECTOR', () => {
  const cj: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default', creationTimestamp: ago(3600) },
    spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
    status: {},
  };
  const t = toTable({ group: 'batch', resource: 'cronjobs' }, cj, wide, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['tick', '*/1 * * * *', '<none>', 'False', 0, '<none>', '60m', 'c', 'busybox', '<none>']);
  const running = structuredClone(cj) as any;
  running.spec.timeZone = 'Europe/Paris';
  running.spec.suspend = true;
  running.status = { active: [{ name: 'tick-1' }, { name: 'tick-2' }], lastScheduleTime: ago(42) };
  assert.deepEqual(cells(running, 'cronjobs').slice(2, 6), ['Europe/Paris', 'True', 2, '42s']);
});

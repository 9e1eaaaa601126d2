import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultObject, findResourceByKind, validateObject } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { jobStrategy } from './job.ts';

const uid = '0b1c2d3e-aaaa-bbbb-cccc-123456789abc';

function created(spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject {
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid, ...(labels ? { labels } : {}) },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } }, ...spec },
    status: { succeeded: 9 },
  };
  jobStrategy.prepareForCreate(job);
  defaultObject(findResourceByKind('batch/v1', 'Job')!, job);
  return job;
}

test('create: the server picks the selector and labels the pods with the Job uid and name', () => {
  const job = created({}) as any;
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.deepEqual(job.spec.template.metadata.labels, {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': uid,
    'job-name': 'pi',
  });
  // As upstream: the Job's own labels are defaulted from its template, generated labels included.
  assert.deepEqual(job.metadata.labels, job.spec.template.metadata.labels);
  assert.deepEqual(job.status, {});
  assert.deepEqual(validateObject(findResourceByKind('batch/v1', 'Job')!, job), []);
});

test('create: labels the user gave the template are copied to the Job before the generated ones', () => {
  const job = created({
    template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } },
  }) as any;
  assert.deepEqual(job.metadata.labels, { app: 'pi' });
  assert.equal(job.spec.template.metadata.labels.app, 'pi');
  assert.equal(job.spec.template.metadata.labels['job-name'], 'pi');
  assert.deepEqual(created({}, { team: 'a' }).metadata.labels, { team: 'a' });
});

test('create: manualSelector leaves selector and labels to the user', () => {
  const selector = { matchLabels: { app: 'pi' } };
  const job = created({
    manualSelector: true,
    selector,
    template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } },
  }) as any;
  assert.deepEqual(job.spec.selector, selector);
  assert.deepEqual(job.spec.template.metadata.labels, { app: 'pi' });
});

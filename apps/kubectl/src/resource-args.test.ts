import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '@skiff/api';
import { categoryMembers } from './resource-args.ts';
import { findMapping, kindPrefix } from './rest-mapper.ts';

test('`all` lists workloads as upstream kubectl get all does: by group, then by resource name', () => {
  assert.deepEqual(categoryMembers([...resources], 'all').map(kindPrefix), [
    'pod',
    'replicationcontroller',
    'service',
    'daemonset.apps',
    'deployment.apps',
    'replicaset.apps',
    'statefulset.apps',
    'horizontalpodautoscaler.autoscaling',
    'cronjob.batch',
    'job.batch',
  ]);
});

test('the new kinds answer to their short and long names', () => {
  const cases: [string, string][] = [
    ['sts', 'statefulsets'],
    ['statefulset.apps', 'statefulsets'],
    ['ds', 'daemonsets'],
    ['DaemonSet', 'daemonsets'],
    ['jobs', 'jobs'],
    ['job.batch', 'jobs'],
    ['cj', 'cronjobs'],
    ['cronjob', 'cronjobs'],
    ['sc', 'storageclasses'],
    ['controllerrevisions', 'controllerrevisions'],
    ['controllerrevision.apps', 'controllerrevisions'],
  ];
  for (const [arg, resource] of cases) assert.equal(findMapping([...resources], arg)?.resource, resource, arg);
});

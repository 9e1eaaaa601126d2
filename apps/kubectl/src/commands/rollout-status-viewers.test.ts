import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Deployment, StatefulSet } from '@skiff/api';
import { daemonSetStatus, deploymentStatus, statefulSetStatus, statusViewerFor } from './rollout-status-viewers.ts';

function deployment(status: Deployment['status'], opts: { replicas?: number; generation?: number } = {}): Deployment {
  return {
    metadata: { name: 'web', generation: opts.generation ?? 2 },
    spec: { replicas: opts.replicas ?? 3, selector: {}, template: {} },
    status: { observedGeneration: 2, ...status },
  };
}

test("deployment rollout status walks kubectl's messages until the rollout is complete", () => {
  const cases: [Deployment, string, boolean][] = [
    [deployment({}, { generation: 3 }), 'Waiting for deployment spec update to be observed...', false],
    [deployment({ replicas: 4, updatedReplicas: 1 }), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', false],
    [deployment({ replicas: 4, updatedReplicas: 3 }), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', false],
    [
      deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 1 }),
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
      false,
    ],
    [deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 'deployment "web" successfully rolled out', true],
  ];
  for (const [d, message, done] of cases) assert.deepEqual(deploymentStatus(d), { message, done });
});

test('a deployment past its progress deadline fails the status', () => {
  const d = deployment({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
  assert.throws(() => deploymentStatus(d), /deployment "web" exceeded its progress deadline/);
});

function daemonSet(status: Partial<NonNullable<DaemonSet['status']>>, generation = 2, strategy = 'RollingUpdate'): DaemonSet {
  return {
    metadata: { name: 'agent', generation },
    spec: { selector: {}, template: {}, updateStrategy: { type: strategy } },
    status: { observedGeneration: 2, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 0, desiredNumberScheduled: 3, ...status },
  };
}

test('daemon set rollout status counts updated then available pods against the desired number', () => {
  const cases: [DaemonSet, string, boolean][] = [
    [daemonSet({}, 3), 'Waiting for daemon set spec update to be observed...', false],
    [daemonSet({ updatedNumberScheduled: 1 }), 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...', false],
    [
      daemonSet({ updatedNumberScheduled: 3, numberAvailable: 2 }),
      'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...',
      false,
    ],
    [daemonSet({ updatedNumberScheduled: 3, numberAvailable: 3 }), 'daemon set "agent" successfully rolled out', true],
  ];
  for (const [ds, message, done] of cases) assert.deepEqual(daemonSetStatus(ds), { message, done });
  assert.throws(() => daemonSetStatus(daemonSet({}, 2, 'OnDelete')), /rollout status is only available for RollingUpdate strategy type/);
});

function statefulSet(
  status: Partial<NonNullable<StatefulSet['status']>>,
  opts: { partition?: number; rollingUpdate?: boolean; generation?: number } = {},
): StatefulSet {
  const rollingUpdate = opts.rollingUpdate === false ? undefined : { partition: opts.partition ?? 0 };
  return {
    metadata: { name: 'db', generation: opts.generation ?? 2 },
    spec: { replicas: 5, serviceName: 'db', selector: {}, template: {}, updateStrategy: { type: 'RollingUpdate', rollingUpdate } },
    status: { observedGeneration: 2, replicas: 5, ...status },
  };
}

test('statefulset rollout status: observed, ready, then partitioned or revision-based completion', () => {
  const cases: [StatefulSet, string, boolean][] = [
    [statefulSet({ observedGeneration: 0 }), 'Waiting for statefulset spec update to be observed...', false],
    [statefulSet({}, { generation: 3 }), 'Waiting for statefulset spec update to be observed...', false],
    [statefulSet({ readyReplicas: 3 }), 'Waiting for 2 pods to be ready...', false],
    // 5 replicas, partition 3: only ordinals 3 and 4 update, so 2 updated pods complete it.
    [
      statefulSet({ readyReplicas: 5, updatedReplicas: 1 }, { partition: 3 }),
      'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
      false,
    ],
    [statefulSet({ readyReplicas: 5, updatedReplicas: 2 }, { partition: 3 }), 'partitioned roll out complete: 2 new pods have been updated...', true],
    [
      statefulSet({ readyReplicas: 5, updatedReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2' }, { rollingUpdate: false }),
      'waiting for statefulset rolling update to complete 2 pods at revision db-2...',
      false,
    ],
    [
      statefulSet({ readyReplicas: 5, currentReplicas: 5, currentRevision: 'db-2', updateRevision: 'db-2' }, { rollingUpdate: false }),
      'statefulset rolling update complete 5 pods at revision db-2...',
      true,
    ],
  ];
  for (const [sts, message, done] of cases) assert.deepEqual(statefulSetStatus(sts), { message, done });
});

test("kinds without a status viewer are refused in kubectl's words", () => {
  assert.throws(() => statusViewerFor({ group: 'batch', kind: 'Job' }), /^CliError: no status viewer has been implemented for Job\.batch$/);
  assert.equal(statusViewerFor({ group: 'apps', kind: 'StatefulSet' }), statefulSetStatus);
});

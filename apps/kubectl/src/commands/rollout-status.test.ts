import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '@skiff/api';
import { describeRolloutStatus } from './rollout-status.ts';

function deployment(status: Deployment['status'], opts: { replicas?: number; generation?: number } = {}): Deployment {
  return {
    metadata: { name: 'web', generation: opts.generation ?? 2 },
    spec: { replicas: opts.replicas ?? 3, selector: {}, template: {} },
    status: { observedGeneration: 2, ...status },
  };
}

test('rollout status walks kubectl\'s messages until the rollout is complete', () => {
  const cases: [Deployment, string, boolean][] = [
    [deployment({}, { generation: 3 }), 'Waiting for deployment spec update to be observed...', false],
    [deployment({ replicas: 4, updatedReplicas: 1 }), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...', false],
    [deployment({ replicas: 4, updatedReplicas: 3 }), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', false],
    [deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 1 }), 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...', false],
    [deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 'deployment "web" successfully rolled out', true],
  ];
  for (const [d, message, done] of cases) assert.deepEqual(describeRolloutStatus(d), { message, done });
});

test('a deployment past its progress deadline fails the status', () => {
  const d = deployment({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
  assert.throws(() => describeRolloutStatus(d), /deployment "web" exceeded its progress deadline/);
});

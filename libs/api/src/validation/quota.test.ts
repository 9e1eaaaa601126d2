import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimitRange } from '../defaults/quota.ts';
import { validateLimitRange, validateResourceQuota } from './quota.ts';

const messages = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);

test('ResourceQuota validation in upstream words', () => {
  assert.deepEqual(
    messages(
      validateResourceQuota({
        spec: { hard: { pods: '4', 'requests.cpu': '1', 'count/deployments.apps': '2', 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi' } },
      }),
    ),
    [],
  );
  assert.deepEqual(messages(validateResourceQuota({ spec: { hard: { pods: '1.5', cpu: '-1', widgets: '1' } } })), [
    'spec.hard[pods]: Invalid value: "1500m": must be an integer',
    'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
  ]);
  assert.deepEqual(messages(validateResourceQuota({ spec: { hard: { services: '1' }, scopes: ['BestEffort', 'NotBestEffort'] } })), [
    'spec.hard: Invalid value: "services": unsupported scope applied to resource',
    'spec.hard: Invalid value: "services": unsupported scope applied to resource',
    'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
  ]);
  assert.deepEqual(messages(validateResourceQuota({ spec: { scopes: ['Sometimes'] } })), ['spec.scopes: Invalid value: "Sometimes": unsupported scope']);
});

test('LimitRange defaults and validation in upstream words', () => {
  const lr = { spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '32Mi' } }] } };
  defaultLimitRange(lr);
  assert.deepEqual(lr.spec.limits[0], {
    type: 'Container',
    max: { cpu: '2' },
    min: { memory: '32Mi' },
    default: { cpu: '2' },
    defaultRequest: { cpu: '2', memory: '32Mi' },
  });
  assert.deepEqual(messages(validateLimitRange(lr)), []);
  assert.deepEqual(
    messages(
      validateLimitRange({
        spec: {
          limits: [
            { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' }, maxLimitRequestRatio: { memory: '500m' } },
            { type: 'Pod', default: { cpu: '1' } },
            { type: 'Pod' },
            { type: 'Node' },
          ],
        },
      }),
    ),
    [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: "500m": ratio 500m is less than 1',
      'spec.limits[1].default: Invalid value: {"cpu":"1"}: may not be specified when `type` is \'Pod\'',
      'spec.limits[2].type: Duplicate value: "Pod"',
      'spec.limits[3].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"',
    ],
  );
});

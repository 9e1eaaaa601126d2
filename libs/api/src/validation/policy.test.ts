import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causes, withPatch } from './testing.ts';

const pdb = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'a' },
  spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
};
const spec = (s: Record<string, unknown>) =>
  withPatch(pdb, (p) => {
    p.spec = { selector: { matchLabels: { app: 'web' } }, ...s };
  });

test('PodDisruptionBudget: valid budgets pass', () => {
  for (const s of [
    { minAvailable: 0 },
    { minAvailable: '50%' },
    { maxUnavailable: 1 },
    { maxUnavailable: '100%' },
    {},
    { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    { minAvailable: 1, selector: {} },
  ]) {
    assert.deepEqual(causes(spec(s)), [], JSON.stringify(s));
  }
});

test('PodDisruptionBudget: minAvailable and maxUnavailable are exclusive, non-negative, at most 100%', () => {
  const both = causes(spec({ minAvailable: 1, maxUnavailable: 1 }));
  assert.equal(both.length, 1);
  assert.match(both[0]!, /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
  assert.deepEqual(causes(spec({ minAvailable: -1 })), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(causes(spec({ maxUnavailable: '101%' })), ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%']);
  assert.deepEqual(causes(spec({ maxUnavailable: 'half' })), [
    "spec.maxUnavailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
  ]);
});

test('PodDisruptionBudget: selector and unhealthyPodEvictionPolicy', () => {
  assert.deepEqual(causes(spec({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'Never' })), [
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
  ]);
  assert.deepEqual(causes(spec({ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } })), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
});

test('PodDisruptionBudget: the status counters default to zero and must stay non-negative', () => {
  const withStatus = (status: Record<string, unknown>) =>
    withPatch(pdb, (p) => {
      p.status = status;
    });
  assert.deepEqual(causes(withStatus({ disruptionsAllowed: -1, expectedPods: 3 })), [
    'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
  ]);
  const cond = { type: 'DisruptionAllowed', status: 'Maybe', reason: 'bad reason', lastTransitionTime: '2026-01-01T00:00:00Z', message: '' };
  assert.deepEqual(causes(withStatus({ conditions: [cond, { ...cond, status: 'True', reason: 'SufficientPods' }] })), [
    'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
    "status.conditions[0].reason: Invalid value: \"bad reason\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
    'status.conditions[1].type: Duplicate value: "DisruptionAllowed"',
  ]);
});

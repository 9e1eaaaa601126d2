import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConditionMet, isJsonPathMet, parseWaitFor, relaxedJsonPath, splitJsonPathInput } from './wait.ts';

test('--for values as kubectl reads them', () => {
  assert.deepEqual(parseWaitFor('delete'), { kind: 'delete' });
  assert.deepEqual(parseWaitFor('DELETE'), { kind: 'delete' });
  assert.deepEqual(parseWaitFor('condition=Ready'), { kind: 'condition', name: 'Ready', value: 'true' });
  assert.deepEqual(parseWaitFor('condition=Ready=false'), { kind: 'condition', name: 'Ready', value: 'false' });
  assert.deepEqual(parseWaitFor('jsonpath={.status.phase}=Running'), { kind: 'jsonpath', expression: '{.status.phase}', value: 'Running' });
  assert.deepEqual(parseWaitFor("jsonpath=.status.phase='Running'"), { kind: 'jsonpath', expression: '{.status.phase}', value: 'Running' });
  assert.deepEqual(parseWaitFor('jsonpath={.status.loadBalancer.ingress}'), { kind: 'jsonpath', expression: '{.status.loadBalancer.ingress}' });
  assert.throws(() => parseWaitFor('ready'), /^CliError: unrecognized condition: "ready"$/);
  assert.throws(() => parseWaitFor('jsonpath={.a}='), /jsonpath wait has to have a value after equal sign/);
  assert.throws(() => parseWaitFor('jsonpath={.a}=b=c'), /jsonpath wait format must be/);
});

test("jsonpath input splits on single '=' only, and relaxes to {.path}", () => {
  assert.deepEqual(splitJsonPathInput('{.items[?(@.a=="x")].b}=3'), ['{.items[?(@.a=="x")].b}', '3']);
  assert.deepEqual(splitJsonPathInput('a.b.c====d.e.f===g.h.i==='), ['a.b.c====d.e.f==', 'g.h.i==', '']);
  for (const e of ['.status.phase', 'status.phase', '{status.phase}', '{.status.phase}']) assert.equal(relaxedJsonPath(e), '{.status.phase}');
  assert.throws(() => relaxedJsonPath('{a}{b}'), /unexpected path string/);
});

test('conditions match case-insensitively and not before their generation is observed', () => {
  const obj = (status: string, observed?: number) => ({
    metadata: { generation: 2 },
    status: { observedGeneration: observed, conditions: [{ type: 'Available', status }] },
  });
  assert.equal(isConditionMet(obj('True', 2), 'available', 'true'), true);
  assert.equal(isConditionMet(obj('False', 2), 'Available', 'true'), false);
  assert.equal(isConditionMet(obj('False', 2), 'Available', 'FALSE'), true);
  assert.equal(isConditionMet(obj('True', 1), 'Available', 'true'), false);
  assert.equal(isConditionMet(obj('True'), 'Available', 'true'), true);
  assert.equal(isConditionMet(obj('True', 2), 'Progressing', 'true'), false);
});

test('jsonpath conditions: one primitive compared as text; missing waits; lists refuse', () => {
  const pod = {
    kind: 'Pod',
    status: {
      phase: 'Running',
      replicas: 3,
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'X', status: 'False' },
      ],
    },
  };
  assert.equal(isJsonPathMet(pod, '{.status.phase}', 'Running'), true);
  assert.equal(isJsonPathMet(pod, '{.status.replicas}', '3'), true);
  assert.equal(isJsonPathMet(pod, '{.status.conditions[?(@.type=="Ready")].status}', 'True'), true);
  assert.equal(isJsonPathMet(pod, '{.status.podIP}', '10.0.0.1'), false);
  assert.equal(isJsonPathMet(pod, '{.status.phase}', undefined), true);
  assert.throws(() => isJsonPathMet(pod, '{.status}', 'x'), /jsonpath leads to a nested object or list which is not supported/);
  assert.throws(() => isJsonPathMet(pod, '{.status.conditions[*].status}', 'True'), /matches more than one value/);
});

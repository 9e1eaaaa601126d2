import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPriorityClass } from '../defaults/scheduling.ts';
import { validatePodSpec } from './pod.ts';
import { validatePriorityClass, validatePriorityClassUpdate } from './scheduling.ts';

const priorityClass = (name: string, fields: Record<string, unknown>): Record<string, unknown> => {
  const pc = { metadata: { name }, ...fields };
  defaultPriorityClass(pc);
  return pc;
};
const messages = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);

test('PriorityClass validation: the user ceiling, the reserved system- prefix and the preemption policy, in upstream words', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['user class at the ceiling', priorityClass('high', { value: 1_000_000_000 }), []],
    ['negative values are fine', priorityClass('low', { value: -100, preemptionPolicy: 'Never' }), []],
    [
      'above the ceiling',
      priorityClass('too-high', { value: 1_000_000_001 }),
      ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
    ],
    ['a built-in as bootstrap creates it', priorityClass('system-node-critical', { value: 2_000_001_000 }), []],
    [
      'a built-in with another value',
      priorityClass('system-cluster-critical', { value: 5 }),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000",
      ],
    ],
    [
      'a built-in as the default',
      priorityClass('system-cluster-critical', { value: 2_000_000_000, globalDefault: true }),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
      ],
    ],
    [
      'another system- name',
      priorityClass('system-mine', { value: 1 }),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
      ],
    ],
    [
      'bad policy',
      priorityClass('p', { value: 1, preemptionPolicy: 'Sometimes' }),
      ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'],
    ],
    ['empty policy', priorityClass('p', { value: 1, preemptionPolicy: '' }), ['preemptionPolicy: Required value']],
    ['not an int32', priorityClass('p', { value: 2 ** 31 }), ['value: Invalid value: 2147483648: must be a 32-bit integer']],
  ];
  for (const [name, pc, want] of cases) assert.deepEqual(messages(validatePriorityClass(pc)), want, name);
});

test('PriorityClass defaults: PreemptLowerPriority, value 0, no globalDefault: false', () => {
  assert.deepEqual(priorityClass('p', { globalDefault: false }), { metadata: { name: 'p' }, value: 0, preemptionPolicy: 'PreemptLowerPriority' });
  assert.equal(priorityClass('p', { preemptionPolicy: 'Never' }).preemptionPolicy, 'Never');
});

test('PriorityClass updates: value and preemption policy are fixed; description and globalDefault may change', () => {
  const old = priorityClass('p', { value: 10 });
  assert.deepEqual(messages(validatePriorityClassUpdate(priorityClass('p', { value: 10, description: 'd', globalDefault: true }), old)), []);
  assert.deepEqual(messages(validatePriorityClassUpdate(priorityClass('p', { value: 11, preemptionPolicy: 'Never' }), old)), [
    'value: Forbidden: may not be changed in an update.',
    'preemptionPolicy: Invalid value: "Never": field is immutable',
  ]);
});

test('pod specs: priorityClassName is a DNS subdomain, preemptionPolicy one of the two', () => {
  const spec = (fields: Record<string, unknown>) => ({ containers: [{ name: 'c', image: 'i' }], ...fields });
  assert.deepEqual(messages(validatePodSpec(spec({ priorityClassName: 'high', preemptionPolicy: 'Never', priority: 5 }), 'spec')), []);
  assert.deepEqual(messages(validatePodSpec(spec({ priorityClassName: 'High_1', preemptionPolicy: 'Always' }), 'spec')), [
    "spec.priorityClassName: Invalid value: \"High_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    'spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"',
  ]);
});

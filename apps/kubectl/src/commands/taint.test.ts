import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTaints, splitTaintArgs, updateTaints, type Taint } from './taint.ts';

test('taint arguments: key=value:Effect and key:Effect add, key:Effect- and key- remove', () => {
  assert.deepEqual(parseTaints(['dedicated=gpu:NoSchedule', 'bar:NoExecute', 'old:PreferNoSchedule-', 'gone-']), {
    add: [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'bar', effect: 'NoExecute' },
    ],
    remove: [{ key: 'old', effect: 'PreferNoSchedule' }, { key: 'gone' }],
  });
});

test('taint arguments kubectl refuses, with its words', () => {
  const cases: Array<[string[], RegExp]> = [
    [['a=b:Foo'], /^CliError: invalid taint effect: Foo, unsupported taint effect\nSee 'kubectl taint -h' for help and examples$/],
    [['a=b'], /^CliError: invalid taint spec: a=b, name part must consist/],
    [['a=b=c:NoSchedule'], /^CliError: invalid taint spec: a=b=c:NoSchedule\n/],
    [['a:b:c'], /^CliError: invalid taint spec: a:b:c\n/],
    [['-bad:NoSchedule'], /^CliError: invalid taint spec: -bad:NoSchedule, name part must consist of alphanumeric/],
    [['a=b:NoSchedule', 'a=c:NoSchedule'], /^CliError: duplicated taints with the same key and effect/],
  ];
  for (const [args, message] of cases) assert.throws(() => parseTaints(args), message, args.join(' '));
});

test('resources come before taint changes', () => {
  assert.deepEqual(splitTaintArgs(['nodes', 'n1', 'n2', 'a=b:NoSchedule', 'c-']), { resources: ['nodes', 'n1', 'n2'], taints: ['a=b:NoSchedule', 'c-'] });
  assert.throws(() => splitTaintArgs(['nodes', 'a=b:NoSchedule', 'n2']), /all resources must be specified before taint changes: n2/);
});

test('taint updates: kubectl word for each change, and its refusals', () => {
  const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const other: Taint = { key: 'other', effect: 'NoExecute' };
  // Added to the front of the list, the rest kept in order.
  assert.deepEqual(updateTaints('n1', [other], [gpu], [], false), { taints: [gpu, other], operation: 'tainted' });
  assert.deepEqual(updateTaints('n1', [gpu, other], [], [{ key: 'dedicated' }], false), { taints: [other], operation: 'untainted' });
  assert.deepEqual(updateTaints('n1', [gpu, other], [], [{ key: 'other', effect: 'NoExecute' }], false), { taints: [gpu], operation: 'untainted' });
  // A new value for the same key and effect needs --overwrite, and then reads "modified".
  const cpu = { ...gpu, value: 'cpu' };
  assert.throws(
    () => updateTaints('n1', [gpu], [cpu], [], false),
    /^CliError: node n1 already has dedicated taint\(s\) with same effect\(s\) and --overwrite is false$/,
  );
  assert.deepEqual(updateTaints('n1', [gpu], [cpu], [], true), { taints: [cpu], operation: 'modified' });
  // Adding one and removing another is "modified" too.
  assert.deepEqual(updateTaints('n1', [other], [gpu], [{ key: 'other' }], false), { taints: [gpu], operation: 'modified' });
  assert.throws(() => updateTaints('n1', [], [], [{ key: 'x', effect: 'NoSchedule' }], false), /taint "x:NoSchedule" not found/);
});

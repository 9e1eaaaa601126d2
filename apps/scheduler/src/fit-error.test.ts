import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFitError } from './fit-error.ts';

test('formatFitError: kube words, counts grouped and sorted as strings', () => {
  const cases: [nodes: number, reasons: [string, number][], want: string][] = [
    [3, [['Insufficient cpu', 3]], '0/3 nodes are available: 3 Insufficient cpu.'],
    [
      3,
      [
        ['Insufficient cpu', 2],
        ["node(s) didn't match Pod's node affinity/selector", 1],
      ],
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.",
    ],
    [
      12,
      [
        ['Insufficient memory', 2],
        ['Insufficient cpu', 10],
      ],
      // sort.Strings order: "10 ..." before "2 ...", as kube prints it.
      '0/12 nodes are available: 10 Insufficient cpu, 2 Insufficient memory.',
    ],
    [0, [], 'no nodes available to schedule pods'],
  ];
  for (const [nodes, reasons, want] of cases) assert.equal(formatFitError(nodes, new Map(reasons)), want);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsOfSimplePath, readJsonPath } from './json-path.ts';

const cert = {
  spec: { secretName: 's', dnsNames: ['a.example', 'b.example'] },
  status: {
    conditions: [
      { type: 'Issuing', status: 'False' },
      { type: 'Ready', status: 'True', message: 'up to date' },
    ],
  },
};

test('readJsonPath: fields, indexes, wildcards and the condition filter', () => {
  const cases: [string, unknown[]][] = [
    ['.spec.secretName', ['s']],
    ['.spec.dnsNames[1]', ['b.example']],
    ['.spec.dnsNames[*]', ['a.example', 'b.example']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    ["{.status.conditions[?(@.type=='Ready')].message}", ['up to date']],
    ['.spec.missing.deeper', []],
    ['.spec.dnsNames[5]', []],
    ['not a path', []],
  ];
  for (const [path, want] of cases) assert.deepEqual(readJsonPath(cert, path), want, path);
});

test('fieldsOfSimplePath: only plain field paths', () => {
  assert.deepEqual(fieldsOfSimplePath('.spec.replicas'), ['spec', 'replicas']);
  assert.equal(fieldsOfSimplePath('.spec.items[0]'), undefined);
  assert.equal(fieldsOfSimplePath(''), undefined);
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatColumns, formatLabels, tableRows } from './table-printer.ts';
import type { Table } from '../table-client.ts';

const table: Table = {
  kind: 'Table',
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', priority: 0 },
    { name: 'Ready', type: 'string', priority: 0 },
    { name: 'Node', type: 'string', priority: 1 },
  ],
  rows: [
    { cells: ['web-1', '1/1', 'node-a'], object: { metadata: { name: 'web-1', namespace: 'shop', labels: { b: '2', a: '1' } } } },
    { cells: ['db', '0/1', null], object: { metadata: { name: 'db', namespace: 'data' } } },
  ],
};

describe('table printer', () => {
  it('lays out columns like kubectl (3 spaces, last column unpadded)', () => {
    assert.equal(formatColumns(tableRows(table, {})), 'NAME    READY\nweb-1   1/1\ndb      0/1\n');
  });

  it('adds wide columns, NAMESPACE, LABELS and kind prefixes', () => {
    const rows = tableRows(table, { wide: true, withNamespace: true, showLabels: true, namePrefix: 'pod' });
    assert.deepEqual(rows[0], ['NAMESPACE', 'NAME', 'READY', 'NODE', 'LABELS']);
    assert.deepEqual(rows[1], ['shop', 'pod/web-1', '1/1', 'node-a', 'a=1,b=2']);
    assert.deepEqual(rows[2], ['data', 'pod/db', '0/1', '<none>', '<none>']);
  });

  it('drops headers with noHeaders', () => {
    assert.equal(tableRows(table, { noHeaders: true }).length, 2);
    assert.equal(formatLabels({}), '<none>');
  });
});

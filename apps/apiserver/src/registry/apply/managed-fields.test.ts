import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet } from './field-set.ts';
import {
  ANCIENT_CHANGES,
  capUpdateManagers,
  decodeManagers,
  disown,
  encodeManagers,
  managerKey,
  setOwned,
  type Actor,
  type ManagedFieldsEntry,
} from './managed-fields.ts';

function setOf(...paths: string[][]): FieldSet {
  const set = new FieldSet();
  for (const p of paths) set.insert(p);
  return set;
}

const update = (manager: string, time: string, field: string, apiVersion = 'apps/v1'): ManagedFieldsEntry => ({
  manager,
  operation: 'Update',
  apiVersion,
  time,
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:labels': { [`f:${field}`]: {} } } },
});

describe('managed fields entries', () => {
  it('decode and encode round trip, Apply entries first, then by time', () => {
    const entries: ManagedFieldsEntry[] = [
      {
        manager: 'alice',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-01-01T00:00:02Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
      update('ctl', '2026-01-01T00:00:00Z', 'a'),
      { ...update('ctl', '2026-01-01T00:00:01Z', 'b'), subresource: 'status' },
    ];
    const managers = decodeManagers([entries[2], entries[1], entries[0]]);
    assert.equal(managers.size, 3, 'the same manager through another subresource is another entry');
    assert.deepEqual(encodeManagers(managers), entries);
  });

  it('merges duplicate entries of one manager and skips what is not an entry', () => {
    const managers = decodeManagers([update('ctl', '2026-01-01T00:00:00Z', 'a'), update('ctl', '2026-01-01T00:00:00Z', 'b'), { manager: 'x' }, 'junk']);
    assert.equal(managers.size, 1);
    assert.deepEqual(encodeManagers(managers)[0]!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } } });
  });

  it('keys Update entries by apiVersion too, Apply entries not', () => {
    const u = (apiVersion: string): Actor => ({ manager: 'm', operation: 'Update', apiVersion, subresource: '' });
    assert.notEqual(managerKey(u('apps/v1')), managerKey(u('apps/v1beta2')));
    assert.equal(managerKey({ ...u('apps/v1'), operation: 'Apply' }), managerKey({ ...u('apps/v1beta2'), operation: 'Apply' }));
  });

  it('disown takes fields from every other manager; an emptied entry is no longer encoded', () => {
    const managers = decodeManagers([update('a', '2026-01-01T00:00:00Z', 'x'), update('b', '2026-01-01T00:00:00Z', 'x')]);
    disown(managers, setOf(['f:metadata', 'f:labels', 'f:x']), managerKey({ manager: 'b', operation: 'Update', apiVersion: 'apps/v1', subresource: '' }));
    assert.deepEqual(
      encodeManagers(managers).map((e) => e.manager),
      ['b'],
    );
  });

  it('setOwned keeps the old time when neither the set nor the object changed', () => {
    const managers = decodeManagers([update('a', '2026-01-01T00:00:00Z', 'x')]);
    const actor: Actor = { manager: 'a', operation: 'Update', apiVersion: 'apps/v1', subresource: '' };
    setOwned(managers, actor, setOf(['f:metadata', 'f:labels', 'f:x']), new Date('2026-02-02T00:00:00Z'), false);
    assert.equal(encodeManagers(managers)[0]!.time, '2026-01-01T00:00:00Z');
    setOwned(managers, actor, setOf(['f:metadata', 'f:labels', 'f:x']), new Date('2026-02-02T00:00:00Z'), true);
    assert.equal(encodeManagers(managers)[0]!.time, '2026-02-02T00:00:00Z');
  });
});

describe('capUpdateManagers', () => {
  const at = (i: number) => `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`;

  it('leaves ten Update entries (and any number of Apply entries) alone', () => {
    const managers = decodeManagers([
      ...Array.from({ length: 10 }, (_, i) => update(`u${i}`, at(i), `f${i}`)),
      { manager: 'apply', operation: 'Apply', apiVersion: 'apps/v1', time: at(0), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {}, 'f:x': {} } },
    ]);
    capUpdateManagers(managers);
    assert.equal(managers.size, 11);
  });

  it('merges the oldest into ancient-changes until ten remain, keeping the newest merged time', () => {
    const managers = decodeManagers(Array.from({ length: 12 }, (_, i) => update(`u${i}`, at(i), `f${i}`)));
    capUpdateManagers(managers);
    const entries = encodeManagers(managers);
    assert.equal(entries.length, 10);
    const ancient = entries.find((e) => e.manager === ANCIENT_CHANGES)!;
    assert.deepEqual(ancient, {
      manager: ANCIENT_CHANGES,
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: at(2),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:f0': {}, 'f:f1': {}, 'f:f2': {} } } },
    });
    assert.deepEqual(
      entries.map((e) => e.manager).filter((m) => m !== ANCIENT_CHANGES),
      ['u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u10', 'u11'],
    );
  });

  it('keeps one ancient-changes entry per apiVersion, and merges into an existing one', () => {
    const entries = [
      update('old-v1', at(0), 'a', 'apps/v1'),
      update('old-beta', at(1), 'b', 'apps/v1beta2'),
      update('v1-again', at(2), 'c', 'apps/v1'),
      update('beta-again', at(3), 'd', 'apps/v1beta2'),
    ];
    const managers = decodeManagers(entries);
    capUpdateManagers(managers, 2);
    assert.deepEqual(
      encodeManagers(managers).map((e) => [e.manager, e.apiVersion, e.time]),
      [
        [ANCIENT_CHANGES, 'apps/v1', at(2)],
        [ANCIENT_CHANGES, 'apps/v1beta2', at(3)],
      ],
    );
    // A later cap merges the next oldest v1 entries into the v1 bucket, not into a second one.
    const more = decodeManagers([...encodeManagers(managers), update('n1', at(4), 'e'), update('n2', at(5), 'f')]);
    capUpdateManagers(more, 3);
    const after = encodeManagers(more);
    assert.equal(after.length, 3);
    assert.equal(after.filter((e) => e.manager === ANCIENT_CHANGES && e.apiVersion === 'apps/v1').length, 1);
  });
});

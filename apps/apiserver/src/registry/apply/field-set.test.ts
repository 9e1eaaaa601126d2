import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldElement, FieldSet, formatPath, keyElement, valueElement } from './field-set.ts';

describe('FieldSet', () => {
  const tree = {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
      'f:finalizers': { 'v:"a"': {} },
      'f:replicas': {},
    },
  };

  it('reads FieldsV1 and writes it back unchanged', () => {
    const set = FieldSet.fromFieldsV1(tree);
    assert.equal(set.size, 6);
    assert.ok(set.has(['f:spec', 'f:containers', 'k:{"name":"web"}']), 'an item marked "." is a member');
    assert.ok(set.has(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']));
    assert.ok(!set.has(['f:spec']), 'a path with members below it is not a member unless marked "."');
    assert.deepEqual(set.toFieldsV1(), tree);
  });

  it('orders fields before keyed items, set values and indexes, as upstream', () => {
    const set = new FieldSet();
    set.insert(['f:l', 'i:0']);
    set.insert(['f:l', 'v:"x"']);
    set.insert(['f:l', 'k:{"a":1}']);
    set.insert(['f:l', 'f:z']);
    assert.deepEqual(Object.keys(set.toFieldsV1()['f:l'] as object), ['f:z', 'k:{"a":1}', 'v:"x"', 'i:0']);
  });

  it('reads anything that is not a FieldsV1 tree as empty', () => {
    for (const bad of [undefined, null, 'x', [1], 3]) assert.equal(FieldSet.fromFieldsV1(bad).size, 0);
  });

  it('does set algebra on whole paths', () => {
    const a = new FieldSet();
    a.insert(['f:spec', 'f:replicas']);
    a.insert(['f:metadata', 'f:labels', 'f:a']);
    const b = new FieldSet();
    b.insert(['f:spec', 'f:replicas']);
    b.insert(['f:spec', 'f:paused']);
    assert.equal(a.union(b).size, 3);
    assert.deepEqual([...a.intersection(b).paths()], [['f:spec', 'f:replicas']]);
    assert.deepEqual([...a.difference(b).paths()], [['f:metadata', 'f:labels', 'f:a']]);
    assert.ok(a.equals(a.union(a)));
    assert.ok(!a.equals(b));
    assert.ok(a.coversOrLeadsTo(['f:metadata']), 'leads to a member');
    assert.ok(a.coversOrLeadsTo(['f:spec', 'f:replicas']));
    assert.ok(!a.coversOrLeadsTo(['f:spec', 'f:rep']), 'a prefix of a name is not a path prefix');
  });

  it('spells keyed items with sorted keys and defaults for omitted keys', () => {
    assert.equal(keyElement({ protocol: 'UDP', containerPort: 53, name: 'dns' }, ['protocol', 'containerPort']), 'k:{"containerPort":53,"protocol":"UDP"}');
    assert.equal(keyElement({ containerPort: 80 }, ['containerPort', 'protocol'], { protocol: 'TCP' }), 'k:{"containerPort":80,"protocol":"TCP"}');
    assert.equal(keyElement({ containerPort: 80 }, ['containerPort', 'protocol']), undefined, 'a missing key without default');
    assert.equal(valueElement('x'), 'v:"x"');
    assert.equal(fieldElement('spec'), 'f:spec');
  });

  it('formats paths as conflicts name them', () => {
    assert.equal(formatPath(['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image']), '.spec.containers[name="web"].image');
    assert.equal(formatPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), '.spec.ports[port=80,protocol="TCP"]');
    assert.equal(formatPath(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
    assert.equal(formatPath(['f:l', 'i:3']), '.l[3]');
  });
});

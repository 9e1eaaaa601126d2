import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explainModel, findDefinition, lookupField, toModel, typeName, wrapText, type OpenApiV2 } from './explain.ts';

const doc: OpenApiV2 = {
  definitions: {
    'x.Thing': {
      description: 'Thing is a test kind.',
      type: 'object',
      required: ['spec'],
      properties: {
        spec: { $ref: '#/definitions/x.ThingSpec' },
        labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels.' },
        raw: { description: 'Anything.' },
      },
      'x-kubernetes-group-version-kind': [{ group: 'x.io', version: 'v1', kind: 'Thing' }],
    },
    'x.ThingSpec': {
      description: 'ThingSpec says what.',
      type: 'object',
      properties: { replicas: { type: 'integer', description: 'How many.' }, parts: { type: 'array', items: { $ref: '#/definitions/x.ThingSpec' } } },
    },
  },
};
const gvk = { group: 'x.io', version: 'v1', kind: 'Thing' };
const thing = toModel(doc, findDefinition(doc, gvk)!);

describe('explain', () => {
  it('wraps descriptions as kubectl does, keeping code blocks and list items', () => {
    assert.deepEqual(wrapText('one two three four', 9), ['one two', 'three', 'four']);
    assert.deepEqual(wrapText('Values:\n- a\n- b\n    code  block\nend', 80), ['Values:', '- a', '- b', '    code  block', 'end']);
  });

  it('names types as kubectl does', () => {
    assert.equal(typeName(thing), 'Object');
    assert.equal(typeName(lookupField(thing, ['labels'])), 'map[string]string');
    assert.equal(typeName(lookupField(thing, ['spec', 'parts'])), '[]Object');
    assert.equal(typeName(lookupField(thing, ['raw'])), '');
  });

  it('prints a kind with its fields, required marked', () => {
    assert.equal(
      explainModel(thing, '', gvk, false),
      [
        'KIND:     Thing',
        'VERSION:  x.io/v1',
        '',
        'DESCRIPTION:',
        '     Thing is a test kind.',
        '',
        'FIELDS:',
        '   labels\t<map[string]string>',
        '     Labels.',
        '',
        '   raw\t<>',
        '     Anything.',
        '',
        '   spec\t<Object> -required-',
        '',
        '',
      ].join('\n'),
    );
  });

  it('prints a field, and a nested kind with RESOURCE and both descriptions', () => {
    assert.equal(
      explainModel(lookupField(thing, ['spec', 'replicas']), 'replicas', gvk, false),
      'KIND:     Thing\nVERSION:  x.io/v1\n\nFIELD:    replicas <integer>\n\nDESCRIPTION:\n     How many.\n',
    );
    assert.match(
      explainModel(lookupField(thing, ['spec']), 'spec', gvk, false),
      /RESOURCE: spec <Object>\n\nDESCRIPTION:\n\n     ThingSpec says what.\n\nFIELDS:\n   parts\t<\[\]Object>/,
    );
  });

  it('--recursive nests names and types and stops at cycles', () => {
    assert.equal(
      explainModel(thing, '', gvk, true).split('FIELDS:\n')[1],
      '   labels\t<map[string]string>\n   raw\t<>\n   spec\t<Object>\n      parts\t<[]Object>\n      replicas\t<integer>\n',
    );
  });

  it('says which field does not exist', () => {
    assert.throws(() => lookupField(thing, ['spec', 'foo']), /field "foo" does not exist/);
  });
});

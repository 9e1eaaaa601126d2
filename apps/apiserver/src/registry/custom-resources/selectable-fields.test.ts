import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileListFilter, SelectorError } from '@skiff/api';
import { fieldSetOf } from './selectable-fields.ts';
import type { CustomResourceInfo } from './served-resources.ts';

const shirts = {
  group: 'stable.example.com',
  resource: 'shirts',
  custom: { selectableFields: ['.spec.color', '.spec.size', '.spec.round'] },
} as unknown as CustomResourceInfo;
const shirt = (spec: Record<string, unknown>) => ({ metadata: { name: 'a', namespace: 'ns' }, spec });

test('selectableFields: strings, integers and booleans compare as text, an absent field as ""', () => {
  const select = (selector: string) => compileListFilter(shirts, undefined, selector, fieldSetOf(shirts));
  assert.equal(select('spec.color=red')(shirt({ color: 'red' })), true);
  assert.equal(select('spec.color!=red')(shirt({ color: 'red' })), false);
  assert.equal(select('spec.size=3,spec.round=true')(shirt({ size: 3, round: true })), true);
  assert.equal(select('spec.color=')(shirt({})), true);
  assert.equal(select('metadata.namespace=ns,metadata.name=a')(shirt({})), true);
});

test('selectableFields: any other field is refused in apiextensions-apiserver words', () => {
  assert.throws(
    () => compileListFilter(shirts, undefined, 'spec.shape=round', fieldSetOf(shirts)),
    (err: unknown) => {
      assert.ok(err instanceof SelectorError);
      assert.equal(err.message, 'field label not supported: spec.shape');
      return true;
    },
  );
});

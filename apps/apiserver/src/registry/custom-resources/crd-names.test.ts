import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '@skiff/api';
import { acceptNames } from './crd-names.ts';
import type { CustomResourceDefinition } from './crd-types.ts';

function crd(
  name: string,
  group: string,
  names: CustomResourceDefinition['spec']['names'],
  accepted?: CustomResourceDefinition['spec']['names'],
): CustomResourceDefinition {
  return {
    metadata: { name },
    spec: { group, names, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
    ...(accepted ? { status: { acceptedNames: accepted } } : {}),
  };
}

test('free names are accepted and the CRD established', () => {
  const out = acceptNames(
    crd('widgets.example.com', 'example.com', { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] }),
    [],
    resources,
  );
  assert.deepEqual(out.acceptedNames, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] });
  assert.deepEqual([out.namesAccepted.status, out.namesAccepted.reason], ['True', 'NoConflicts']);
  assert.deepEqual([out.established.status, out.established.reason], ['True', 'InitialNamesAccepted']);
});

test('a plural or kind another CRD of the group holds is refused; the CRD is not established', () => {
  const holder = crd(
    'widgets.example.com',
    'example.com',
    { plural: 'widgets', kind: 'Widget' },
    { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
  );
  const out = acceptNames(
    crd('gadgets.example.com', 'example.com', { plural: 'gadgets', singular: 'widget', kind: 'Widget', listKind: 'GadgetList' }),
    [holder],
    resources,
  );
  assert.equal(out.namesAccepted.status, 'False');
  assert.equal(out.namesAccepted.reason, 'SingularConflict');
  assert.equal(out.namesAccepted.message, '"widget" is already in use, "Widget" is already in use');
  assert.deepEqual([out.established.status, out.established.reason], ['False', 'NotAccepted']);
  // The same names in another group are free.
  assert.equal(acceptNames(crd('widgets.other.io', 'other.io', { plural: 'widgets', kind: 'Widget' }), [holder], resources).namesAccepted.status, 'True');
});

test('a built-in resource of the same group is a conflict', () => {
  const out = acceptNames(crd('deployments.apps', 'apps', { plural: 'deployments', kind: 'Deployment' }), [], resources);
  assert.equal(out.namesAccepted.reason, 'PluralConflict');
  assert.equal(out.acceptedNames.plural, '');
});

test('a rename into a taken name keeps the accepted one; Established stays True', () => {
  const holder = crd('gadgets.example.com', 'example.com', { plural: 'gadgets', kind: 'Gadget' }, { plural: 'gadgets', kind: 'Gadget', shortNames: ['gd'] });
  const mine = crd(
    'widgets.example.com',
    'example.com',
    { plural: 'widgets', kind: 'Widget', shortNames: ['gd'] },
    { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
  );
  mine.status!.conditions = [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }];
  const out = acceptNames(mine, [holder], resources);
  assert.equal(out.namesAccepted.reason, 'ShortNamesConflict');
  assert.deepEqual(out.acceptedNames.shortNames, ['wd']);
  assert.equal(out.established.status, 'True');
});

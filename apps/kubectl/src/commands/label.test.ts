import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetadataChanges } from './label.ts';
import { parseImageArgs } from './set-image.ts';

test('label arguments: k=v sets, k- removes, anything else is refused', () => {
  assert.deepEqual(parseMetadataChanges(['tier=front', 'app-', 'empty=']), { set: { tier: 'front', empty: '' }, remove: ['app'] });
  assert.throws(() => parseMetadataChanges(['novalue']), /invalid label spec: novalue/);
});

test('set image arguments are CONTAINER=IMAGE pairs', () => {
  assert.deepEqual(parseImageArgs(['web=nginx:2', '*=busybox']), { web: 'nginx:2', '*': 'busybox' });
  assert.throws(() => parseImageArgs(['web']), /CONTAINER=IMAGE/);
  assert.throws(() => parseImageArgs(['web=']), /CONTAINER=IMAGE/);
});

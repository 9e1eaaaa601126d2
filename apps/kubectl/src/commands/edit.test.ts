import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EDIT_HEADER, editHeader, editorCommand, editPatch, editableObject, stripComments, stripHeader } from './edit.ts';

test("the header with a failed save's reasons, as kubectl writes it", () => {
  assert.equal(
    editHeader([{ head: 'deployments.apps "web" was not valid', other: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] }]),
    `${EDIT_HEADER}# deployments.apps "web" was not valid:\n# * spec.replicas: Invalid value: -1: must be greater than or equal to 0\n#\n`,
  );
  assert.equal(editHeader([{ head: 'The edited file had a syntax error: bad\nline' }]), `${EDIT_HEADER}# The edited file had a syntax error: bad\n# line\n#\n`);
});

test('comments: every # line is ignored when comparing; only the leading block is dropped on re-open', () => {
  assert.equal(stripComments('# a\nkind: Pod\n  # b\nx: 1 # not a comment line\n'), 'kind: Pod\nx: 1 # not a comment line\n');
  assert.equal(stripHeader('# a\n#\nkind: Pod\n# kept\n'), 'kind: Pod\n# kept\n');
});

test('the edit patch: a two-way strategic patch guarded by the read resourceVersion; nothing changed is no patch', () => {
  const original = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', resourceVersion: '7', labels: { a: 'b' } },
    spec: { replicas: 1, paused: true },
  };
  const edited = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', resourceVersion: '7' }, spec: { replicas: 3 } };
  assert.deepEqual(editPatch(original, edited, 'apps/v1/Deployment'), {
    metadata: { labels: null, resourceVersion: '7' },
    spec: { replicas: 3, paused: null },
  });
  assert.equal(editPatch(original, structuredClone(original), 'apps/v1/Deployment'), undefined);
});

test('managedFields are not shown; the editor is KUBE_EDITOR, else EDITOR, else vi', () => {
  assert.deepEqual(editableObject({ metadata: { name: 'x', managedFields: [{}] } } as never), { metadata: { name: 'x' } });
  assert.equal(editorCommand({ KUBE_EDITOR: 'nano', EDITOR: 'code -w' }), 'nano');
  assert.equal(editorCommand({ EDITOR: 'code -w' }), 'code -w');
  assert.equal(editorCommand({}), 'vi');
});

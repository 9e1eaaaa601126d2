import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localTargetFor, memberPrefix, parseFileSpec, stripPathShortcuts, tarCreateCommand } from './cp.ts';

test('file specs: local paths, pod:path, namespace/pod:path, and kubectl format errors', () => {
  assert.deepEqual(parseFileSpec('/tmp/foo/'), { file: '/tmp/foo' });
  assert.deepEqual(parseFileSpec('web:/tmp/x'), { pod: 'web', file: '/tmp/x' });
  assert.deepEqual(parseFileSpec('ns1/web:/tmp/x/'), { namespace: 'ns1', pod: 'web', file: '/tmp/x' });
  assert.deepEqual(parseFileSpec('web:'), { pod: 'web', file: '' });
  assert.throws(() => parseFileSpec(':x'), /filespec must match the canonical format: \[\[namespace\/\]pod:\]file\/path/);
  assert.throws(() => parseFileSpec('a/b/c:x'), /filespec must match/);
});

test('member prefixes drop the leading slash and ../ shortcuts, as tar and upstream do', () => {
  assert.equal(memberPrefix('/tmp/dir'), 'tmp/dir');
  assert.equal(memberPrefix('/'), '');
  assert.equal(memberPrefix('../../etc/x'), 'etc/x');
  assert.equal(stripPathShortcuts('..'), '');
});

test('members land under the destination, never outside it', () => {
  assert.equal(localTargetFor('out', 'tmp/dir', 'tmp/dir/'), 'out');
  assert.equal(localTargetFor('out', 'tmp/dir', 'tmp/dir/a/b'), 'out/a/b');
  assert.equal(localTargetFor('out', 'tmp/dir', 'tmp/dir/../../x'), undefined);
});

test('--retries resumes through tail at the next byte', () => {
  assert.deepEqual(tarCreateCommand('/tmp/x', 0, 0), ['tar', 'cf', '-', '/tmp/x']);
  assert.deepEqual(tarCreateCommand("/tmp/it's", 3, 1024), ['sh', '-c', "tar cf - '/tmp/it'\\''s' | tail -c+1025"]);
});

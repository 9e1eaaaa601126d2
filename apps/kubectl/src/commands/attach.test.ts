import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { detachableInput, parseDetachKeys } from './attach.ts';

test('detach keys as kubectl spells them', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [0x10, 0x11]);
  assert.deepEqual(parseDetachKeys('a,ctrl-['), [0x61, 0x1b]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /invalid detach key/);
});

test('stdin passes through until the detach sequence, which is swallowed', async () => {
  const input = new PassThrough();
  let detached = false;
  const out = detachableInput(input, [0x10, 0x11], () => (detached = true));
  let seen = '';
  out.on('data', (c: Buffer) => (seen += c.toString('latin1')));
  input.write('ab\x10c');
  input.write('d\x10');
  input.write('\x11ignored?');
  await new Promise((r) => setImmediate(r));
  assert.equal(seen, 'ab\x10cd');
  assert.equal(detached, true);
});

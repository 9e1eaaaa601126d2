import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically, type Payload } from './atomic-writer.ts';

const file = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

test('atomic writer: ..data generation, user-visible symlinks, swap on change only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k2-aw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first: Payload = new Map([
    ['a', file('1')],
    ['sub/b', file('2', 0o400)],
  ]);
  assert.equal(await writeAtomically(dir, first), true);
  const gen1 = readlinkSync(join(dir, '..data'));
  assert.match(gen1, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\./);
  assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
  assert.equal(readlinkSync(join(dir, 'sub')), '..data/sub');
  assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), '2');
  assert.equal(statSync(join(dir, 'sub/b')).mode & 0o777, 0o400);

  assert.equal(await writeAtomically(dir, new Map(first)), false, 'same payload: no new generation');
  assert.equal(readlinkSync(join(dir, '..data')), gen1);

  assert.equal(
    await writeAtomically(
      dir,
      new Map([
        ['a', file('changed')],
        ['c', file('3')],
      ]),
    ),
    true,
  );
  const gen2 = readlinkSync(join(dir, '..data'));
  assert.notEqual(gen2, gen1);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
  assert.equal(readFileSync(join(dir, 'c'), 'utf8'), '3');
  assert.equal(lstatSync(join(dir, 'sub'), { throwIfNoEntry: false }), undefined, 'names gone from the payload are removed');
  assert.deepEqual(readdirSync(dir).sort(), [gen2, '..data', 'a', 'c'].sort(), 'the old generation is removed');

  assert.equal(
    await writeAtomically(
      dir,
      new Map([
        ['a', file('changed', 0o600)],
        ['c', file('3')],
      ]),
    ),
    true,
    'a mode change is a change',
  );
});

test('atomic writer: refuses paths that leave the volume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k2-aw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const bad of ['../x', '/etc/passwd', 'a/../../x', '..data']) {
    await assert.rejects(writeAtomically(dir, new Map([[bad, file('x')]])), /must/, bad);
  }
});

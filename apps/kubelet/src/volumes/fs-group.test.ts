import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownTreeToGroup, withGroupReadable } from './fs-group.ts';
import { setUpEmptyDir } from './empty-dir.ts';

const root = process.getuid?.() === 0;

test('fsGroup: API-data files become group-readable', () => {
  const out = withGroupReadable(new Map([['a', { data: Buffer.from('x'), mode: 0o600 }]]));
  assert.equal(out.get('a')!.mode, 0o640);
});

test('fsGroup: emptyDir and API-data trees owned by the group, directories setgid', { skip: !root && 'needs root to chown' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fsgroup-'));
  try {
    await setUpEmptyDir(join(dir, 'empty'), {}, 2345);
    const e = await stat(join(dir, 'empty'));
    assert.equal(e.gid, 2345);
    assert.equal(e.mode & 0o7777, 0o2777);
    await mkdir(join(dir, 'cm', 'sub'), { recursive: true });
    await writeFile(join(dir, 'cm', 'sub', 'f'), 'x');
    await chownTreeToGroup(join(dir, 'cm'), 2345);
    assert.equal((await stat(join(dir, 'cm', 'sub', 'f'))).gid, 2345);
    assert.ok(((await stat(join(dir, 'cm', 'sub'))).mode & 0o2000) !== 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { failureRecap, findTestFiles } from './test.ts';

it('finds *.test.ts files recursively, sorted, skipping node_modules', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-find-tests-'));
  try {
    for (const file of ['b.test.ts', 'a/deep/c.test.ts', 'a/helper.ts', 'node_modules/x/d.test.ts', 'e.test.js']) {
      await mkdir(join(dir, file, '..'), { recursive: true });
      await writeFile(join(dir, file), '');
    }
    const found = (await findTestFiles(dir)).map((f) => relative(dir, f));
    assert.deepEqual(found, ['a/deep/c.test.ts', 'b.test.ts']);
    assert.deepEqual(await findTestFiles(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('recaps the spec reporter failures section, without the counters after it', () => {
  const output = [
    '▶ suite', '  ✔ fine (1ms)', '  ✖ broken (2ms)', 'ℹ tests 2', 'ℹ fail 1', '',
    '✖ failing tests:', '', 'test at test/x.test.ts:3:1', '✖ broken (2ms)', '  AssertionError: 1 !== 2', '',
    'ℹ tests 2', 'ℹ fail 1',
  ].join('\n');
  assert.deepEqual(failureRecap(output), ['✖ failing tests:', 'test at test/x.test.ts:3:1', '✖ broken (2ms)', '  AssertionError: 1 !== 2']);
  assert.deepEqual(failureRecap('✔ all fine\nℹ pass 3\n'), []);
});

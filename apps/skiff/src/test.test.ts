import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths.ts';
import { failureRecap, findTestFiles, LINT_ARGS, planSuites } from './test.ts';

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
    '▶ suite',
    '  ✔ fine (1ms)',
    '  ✖ broken (2ms)',
    'ℹ tests 2',
    'ℹ fail 1',
    '',
    '✖ failing tests:',
    '',
    'test at test/x.test.ts:3:1',
    '✖ broken (2ms)',
    '  AssertionError: 1 !== 2',
    '',
    'ℹ tests 2',
    'ℹ fail 1',
  ].join('\n');
  assert.deepEqual(failureRecap(output), ['✖ failing tests:', 'test at test/x.test.ts:3:1', '✖ broken (2ms)', '  AssertionError: 1 !== 2']);
  assert.deepEqual(failureRecap('✔ all fine\nℹ pass 3\n'), []);
});

it('lints and checks workspace dependencies first, before the typecheck and the tests', async () => {
  const suites = await planSuites();
  assert.deepEqual(
    suites.slice(0, 3).map((s) => s.name),
    ['lint (biome check)', 'workspace dependencies', 'typecheck (tsc -b)'],
  );
  const [lint, deps] = suites;
  assert.ok('command' in lint && 'command' in deps);
  assert.equal(lint.command, process.execPath);
  assert.ok(existsSync(lint.args[0]), `Biome's launcher is installed at ${lint.args[0]}`);
  assert.deepEqual(lint.args.slice(1), LINT_ARGS);
  assert.deepEqual(deps.args, [join(REPO_ROOT, 'apps/skiff/src/workspace-deps.ts')]);
});

it("the lint step fails on a formatting difference or a lint warning under the repository's biome.json, and passes on clean code", async () => {
  const [lint] = await planSuites();
  assert.ok('command' in lint);
  const dir = await mkdtemp(join(tmpdir(), 'skiff-lint-'));
  const check = async (file: string, text: string) => {
    await writeFile(join(dir, file), text);
    const run = spawnSync(lint.command, lint.args, { cwd: dir, encoding: 'utf8' });
    return { code: run.status, output: run.stdout + run.stderr };
  };
  try {
    await copyFile(join(REPO_ROOT, 'biome.json'), join(dir, 'biome.json'));
    await copyFile(join(REPO_ROOT, '.gitignore'), join(dir, '.gitignore'));
    const unformatted = await check('a.ts', 'export const a = {b: 1}\n');
    assert.equal(unformatted.code, 1);
    assert.match(unformatted.output, /a\.ts format/);
    const warned = await check('a.ts', 'let a = 1;\nexport const b = a;\n');
    assert.equal(warned.code, 1);
    assert.match(warned.output, /a\.ts:1:1 lint\/style\/useConst/);
    const clean = await check('a.ts', "export const a = { b: 'c' };\n");
    assert.equal(clean.code, 0, clean.output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

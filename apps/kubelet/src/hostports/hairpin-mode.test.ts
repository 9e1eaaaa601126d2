import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableHairpinMode } from './hairpin-mode.ts';

test('enableHairpinMode: turns on every port of the bridge that has it off, and only those', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hp-sys-'));
  try {
    for (const [port, mode] of [['veth1', '0'], ['veth2', '1'], ['veth3', '0']] as const) {
      mkdirSync(join(root, 'skiff0', 'brif', port), { recursive: true });
      writeFileSync(join(root, 'skiff0', 'brif', port, 'hairpin_mode'), `${mode}\n`);
    }
    mkdirSync(join(root, 'skiff0', 'brif', 'gone'));
    assert.deepEqual((await enableHairpinMode('skiff0', root)).sort(), ['veth1', 'veth3']);
    for (const port of ['veth1', 'veth2', 'veth3']) assert.equal(readFileSync(join(root, 'skiff0', 'brif', port, 'hairpin_mode'), 'utf8').trim(), '1');
    assert.deepEqual(await enableHairpinMode('skiff0', root), []);
    await assert.rejects(enableHairpinMode('nope', root), /ENOENT/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTarArchive } from './tar-archive.ts';

test('createTarArchive: system tar extracts files, directories and symlinks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skx4-tar-'));
  try {
    const archive = createTarArchive([
      { name: 'bin', directory: true },
      { name: 'bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
      { name: 'bin/alias', linkTarget: 'tool' },
      { name: 'big', data: Buffer.alloc(1300, 7) },
      { name: 'Dockerfile', data: Buffer.from('FROM scratch\n') },
      { name: `${'d'.repeat(90)}/${'f'.repeat(60)}.js`, data: Buffer.from('long') },
    ]);
    assert.equal(archive.length % 512, 0);
    const file = join(dir, 'a.tar');
    writeFileSync(file, archive);
    execFileSync('tar', ['-xf', file, '-C', dir]);
    assert.equal(readFileSync(join(dir, 'bin/tool'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(statSync(join(dir, 'bin/tool')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(dir, 'bin/alias')), 'tool');
    assert.deepEqual(readFileSync(join(dir, 'big')), Buffer.alloc(1300, 7));
    assert.equal(readFileSync(join(dir, 'Dockerfile'), 'utf8'), 'FROM scratch\n');
    assert.equal(readFileSync(join(dir, 'd'.repeat(90), `${'f'.repeat(60)}.js`), 'utf8'), 'long');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createTarArchive: identical input gives identical bytes', () => {
  const entries = [{ name: 'x', data: Buffer.from('y') }];
  assert.deepEqual(createTarArchive(entries), createTarArchive(entries));
});

test('createTarArchive: rejects names tar cannot hold in a ustar header', () => {
  assert.throws(() => createTarArchive([{ name: 'n'.repeat(101), data: Buffer.from('') }]), /name too long for ustar/);
  assert.throws(() => createTarArchive([{ name: `${'p'.repeat(156)}/x`, data: Buffer.from('') }]), /name too long for ustar/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHeader, packTar, TarExtractor, type TarHeader } from './tar.ts';

async function collect(gen: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts);
}

/** Every entry of `archive` fed in `chunk`-byte pieces: name, type, body. */
function extract(archive: Buffer, chunk: number): { header: TarHeader; body: string }[] {
  const out: { header: TarHeader; body: string }[] = [];
  const ex = new TarExtractor((header) => {
    const entry = { header, body: '' };
    out.push(entry);
    return { write: (c) => (entry.body += c.toString()), end: () => undefined };
  });
  for (let i = 0; i < archive.length; i += chunk) ex.write(archive.subarray(i, i + chunk));
  assert.ok(ex.ended, 'end-of-archive seen');
  assert.equal(ex.midEntry, false);
  return out;
}

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tar-'));
  mkdirSync(join(dir, 'src/sub'), { recursive: true });
  mkdirSync(join(dir, 'src/empty'));
  writeFileSync(join(dir, 'src/a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'src/sub/b.bin'), Buffer.alloc(1500, 7));
  symlinkSync('a.txt', join(dir, 'src/link'));
  return dir;
}

test('packTar names entries after the destination and reads back in any chunking', async () => {
  const dir = tree();
  try {
    const archive = await collect(packTar(join(dir, 'src'), 'dest'));
    assert.equal(archive.length % 512, 0);
    for (const size of [1, 7, 512, 100_000]) {
      const entries = extract(archive, size);
      assert.deepEqual(
        entries.map((e) => [e.header.name, e.header.type]),
        [
          ['dest/a.txt', '0'],
          ['dest/empty/', '5'],
          ['dest/link', '2'],
          ['dest/sub/b.bin', '0'],
        ],
      );
      assert.equal(entries[0]!.body, 'alpha\n');
      assert.equal(entries[2]!.header.linkname, 'a.txt');
      assert.equal(entries[3]!.body.length, 1500);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GNU tar extracts what packTar writes, and TarExtractor reads GNU tar long names', async (t) => {
  if (spawnSync('tar', ['--version']).status !== 0) return t.skip('no tar on this machine');
  const dir = tree();
  try {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    mkdirSync(join(dir, 'src', 'd'.repeat(120)));
    writeFileSync(join(dir, 'src', long), 'deep\n');
    const archive = await collect(packTar(join(dir, 'src'), 'copy'));
    mkdirSync(join(dir, 'out'));
    const x = spawnSync('tar', ['-xmf', '-', '-C', join(dir, 'out')], { input: archive });
    assert.equal(x.status, 0, x.stderr.toString());
    assert.equal(readFileSync(join(dir, 'out/copy/sub/b.bin')).length, 1500);
    assert.equal(readFileSync(join(dir, 'out/copy', long), 'utf8'), 'deep\n');
    const c = spawnSync('tar', ['cf', '-', '-C', dir, 'src'], { maxBuffer: 1 << 24 });
    const names = extract(c.stdout, 333).map((e) => e.header.name);
    assert.ok(names.includes(`src/${long}`), names.join(','));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a header split into ustar prefix and name round-trips; a cut stream is mid-entry', () => {
  const name = `${'p'.repeat(90)}/${'n'.repeat(90)}`;
  const header = encodeHeader({ name, type: '0', mode: 0o644, size: 3, linkname: '', uid: 0, gid: 0, mtime: 0 });
  assert.equal(header.length, 512);
  const ex = new TarExtractor((h) => {
    assert.equal(h.name, name);
    return undefined;
  });
  ex.write(Buffer.concat([header, Buffer.from('ab')]));
  assert.equal(ex.midEntry, true);
  assert.throws(() => new TarExtractor(() => undefined).write(Buffer.alloc(512, 1)), /tar contents corrupted/);
});

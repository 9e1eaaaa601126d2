import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseByteSize, RotatingFile, rotateIfFull, rotatedFiles, rotationFromEnv } from './rotating-file.ts';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'rotating-file-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(40 + (i % 7)) })}\n`;

/** Every file's lines, oldest file first. */
function readAll(path: string): string[][] {
  return [...rotatedFiles(path).reverse(), path].map((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
}

describe('RotatingFile', () => {
  it('rotates before a line would pass maxBytes, keeps maxFiles, never splits a line', () => {
    withDir((dir) => {
      const path = join(dir, 'server.log');
      const file = new RotatingFile(path, { maxBytes: 500, maxFiles: 2 });
      for (let i = 0; i < 100; i++) file.write(line(i));
      file.close();
      assert.deepEqual(readdirSync(dir).sort(), ['server.log', 'server.log.1', 'server.log.2']);
      const files = readAll(path);
      for (const f of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(f).size <= 500, `${f}: ${statSync(f).size}`);
      // Whole JSON lines everywhere, and the newest ones in order across the kept files.
      const seen = files.flat().map((l) => (JSON.parse(l) as { i: number }).i);
      assert.equal(seen.at(-1), 99);
      assert.deepEqual(
        seen,
        seen.map((_, k) => 100 - seen.length + k),
      );
      assert.ok(files[0]!.length > 0 && files[1]!.length > 0, 'the rotated files are full ones');
    });
  });

  it('maxFiles 0 only empties the file; a line longer than maxBytes gets a file of its own', () => {
    withDir((dir) => {
      const path = join(dir, 'agent.log');
      const file = new RotatingFile(path, { maxBytes: 100, maxFiles: 0 });
      file.write(line(1));
      file.write(`${'y'.repeat(300)}\n`);
      file.write(line(2));
      file.close();
      assert.deepEqual(readdirSync(dir), ['agent.log']);
      assert.equal(readFileSync(path, 'utf8'), line(2));
    });
  });

  it('counts what other writers of the file append, and they keep writing to the live file after a rotation', () => {
    withDir((dir) => {
      const path = join(dir, 'server.log');
      // The launcher's descriptor: the process's stderr, opened O_APPEND on the same file.
      const stderr = openSync(path, 'a');
      try {
        const file = new RotatingFile(path, { maxBytes: 200, maxFiles: 3 });
        file.write(line(1));
        writeSync(stderr, `${'e'.repeat(150)}\n`);
        file.write(line(2)); // 52 + 151 + 52 > 200: rotates although it wrote only 52 itself
        writeSync(stderr, 'Error: crash\n');
        file.close();
        assert.equal(readFileSync(`${path}.1`, 'utf8'), `${line(1)}${'e'.repeat(150)}\n`);
        assert.equal(readFileSync(path, 'utf8'), `${line(2)}Error: crash\n`, 'no hole where the old bytes were');
      } finally {
        closeSync(stderr);
      }
    });
  });

  it('still writes when it cannot rotate (its file removed), and never throws', () => {
    withDir((dir) => {
      const path = join(dir, 'gone.log');
      const file = new RotatingFile(path, { maxBytes: 60, maxFiles: 1 });
      file.write(line(1));
      rmSync(path);
      assert.doesNotThrow(() => file.write(line(2)));
      file.close();
    });
  });

  it('drops files beyond a lowered maxFiles at the next rotation', () => {
    withDir((dir) => {
      const path = join(dir, 'x.log');
      for (let i = 1; i <= 4; i++) writeFileSync(`${path}.${i}`, `old ${i}\n`);
      writeFileSync(path, 'live\n');
      const file = new RotatingFile(path, { maxBytes: 10, maxFiles: 2 });
      file.write('next line\n');
      file.close();
      assert.deepEqual(readdirSync(dir).sort(), ['x.log', 'x.log.1', 'x.log.2']);
      assert.equal(readFileSync(`${path}.1`, 'utf8'), 'live\n');
      assert.equal(readFileSync(`${path}.2`, 'utf8'), 'old 1\n');
    });
  });
});

describe('rotation settings', () => {
  it('rotateIfFull rotates a file at or over the limit, and leaves a smaller or missing one', () => {
    withDir((dir) => {
      const path = join(dir, 'etcd.log');
      assert.equal(rotateIfFull(path, { maxBytes: 10, maxFiles: 1 }), false);
      writeFileSync(path, 'short\n');
      assert.equal(rotateIfFull(path, { maxBytes: 10, maxFiles: 1 }), false);
      writeFileSync(path, 'long enough\n');
      assert.equal(rotateIfFull(path, { maxBytes: 10, maxFiles: 1 }), true);
      assert.equal(readFileSync(path, 'utf8'), '');
      assert.equal(readFileSync(`${path}.1`, 'utf8'), 'long enough\n');
    });
  });

  it('reads SKIFF_LOG_FILE, SKIFF_LOG_MAX_BYTES and SKIFF_LOG_MAX_FILES; bad values fall back and say so', () => {
    assert.equal(rotationFromEnv({}), undefined);
    assert.deepEqual(rotationFromEnv({ SKIFF_LOG_FILE: '/l/server.log' }), { path: '/l/server.log', maxBytes: 20 * 1024 * 1024, maxFiles: 5, problems: [] });
    assert.deepEqual(rotationFromEnv({ SKIFF_LOG_FILE: '/l', SKIFF_LOG_MAX_BYTES: '1Mi', SKIFF_LOG_MAX_FILES: '0' }), {
      path: '/l',
      maxBytes: 1048576,
      maxFiles: 0,
      problems: [],
    });
    const bad = rotationFromEnv({ SKIFF_LOG_FILE: '/l', SKIFF_LOG_MAX_BYTES: '1MB', SKIFF_LOG_MAX_FILES: '-1' })!;
    assert.equal(bad.maxBytes, 20 * 1024 * 1024);
    assert.equal(bad.maxFiles, 5);
    assert.match(bad.problems.join('\n'), /SKIFF_LOG_MAX_BYTES="1MB" is not a size[^]*SKIFF_LOG_MAX_FILES="-1"/);
    assert.deepEqual(['4096', '500K', '2Mi', '1Gi', '', '1.5Mi', 'x'].map(parseByteSize), [
      4096,
      500_000,
      2 * 1024 ** 2,
      1024 ** 3,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('a detached process logging through createLogger with SKIFF_LOG_FILE', () => {
  it('rotates its pino lines, and its crash trace still lands in the live file', () => {
    withDir((dir) => {
      const path = join(dir, 'server.log');
      const script = join(dir, 'role.mjs');
      writeFileSync(
        script,
        `
        const { createLogger } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'logger.ts')).href)});
        const a = createLogger('apiserver', 'info');
        const b = createLogger('scheduler', 'info');
        for (let i = 0; i < 60; i++) (i % 2 ? a : b).info({ i }, 'line ' + i);
        throw new Error('the crash');
      `,
      );
      // As startDetached starts a role: stdout and stderr appended to the log file, the env naming it.
      const out = openSync(path, 'a');
      try {
        spawnSync(process.execPath, [script], {
          stdio: ['ignore', out, out],
          env: { ...process.env, SKIFF_LOG_FILE: path, SKIFF_LOG_MAX_BYTES: '2Ki', SKIFF_LOG_MAX_FILES: '20' },
        });
      } finally {
        closeSync(out);
      }
      const files = readAll(path);
      assert.ok(files.length >= 3, `rotated: ${readdirSync(dir).join(' ')}`);
      const pinoLines = files
        .flat()
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { i: number; name: string; msg: string });
      assert.deepEqual(
        pinoLines.map((l) => l.i),
        [...Array(60).keys()],
        'every line once, in order, across the files',
      );
      assert.deepEqual(
        pinoLines.slice(0, 2).map((l) => l.name),
        ['scheduler', 'apiserver'],
      );
      assert.match(readFileSync(path, 'utf8'), /Error: the crash/);
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@skiff/log';
import { AuditLogWriter, backupName } from './log-writer.ts';

const logger = createLogger('audit-test', 'silent');

describe('audit log writer', () => {
  it('names backups as lumberjack does', () => {
    assert.equal(backupName('/var/log/audit.log', new Date('2026-12-07T17:48:07.123Z')), '/var/log/audit-2026-12-07T17-48-07.123.log');
  });

  it('appends JSON lines, rotates before a file would pass maxBytes, keeps maxBackups backups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-writer-'));
    try {
      const path = join(dir, 'audit.log');
      const writer = new AuditLogWriter({ path, maxBytes: 1000, maxBackups: 2, maxAgeDays: 30, logger });
      for (let i = 0; i < 40; i++) writer.write({ i, pad: 'x'.repeat(80) });
      writer.close();
      const files = readdirSync(dir).sort();
      assert.equal(files.length, 3, files.join(' '));
      assert.ok(files.every((f) => f === 'audit.log' || /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f)));
      for (const f of files) assert.ok(statSync(join(dir, f)).size <= 1000);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      // The newest events are in the live file, whole lines, in order.
      const live = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { i: number });
      assert.equal(live.at(-1)!.i, 39);
      assert.deepEqual(
        live.map((e) => e.i),
        live.map((_, k) => 40 - live.length + k),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deletes backups older than maxAgeDays at the next rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-writer-'));
    try {
      const path = join(dir, 'audit.log');
      const old = backupName(path, new Date(Date.now() - 40 * 24 * 3600_000));
      writeFileSync(old, '{}\n');
      const unrelated = join(dir, 'audit-notes.log');
      writeFileSync(unrelated, 'keep me\n');
      // Age is read from the name, as lumberjack does, not from the file's mtime.
      const writer = new AuditLogWriter({ path, maxBytes: 100, maxBackups: 10, maxAgeDays: 30, logger });
      for (let i = 0; i < 3; i++) writer.write({ i, pad: 'x'.repeat(60) });
      writer.close();
      const files = readdirSync(dir);
      assert.ok(!files.includes(old.slice(dir.length + 1)), files.join(' '));
      assert.ok(files.includes('audit-notes.log'));
      assert.equal(files.length, 4, files.join(' ')); // live, notes, two fresh backups
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops events instead of growing without bound when the buffer is full', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-writer-'));
    try {
      const writer = new AuditLogWriter({ path: join(dir, 'audit.log'), maxBytes: 1e6, maxBackups: 1, maxAgeDays: 1, logger, maxBuffered: 5 });
      for (let i = 0; i < 8; i++) writer.write({ i });
      assert.equal(writer.dropped, 3);
      writer.close();
      assert.equal(readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').length, 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

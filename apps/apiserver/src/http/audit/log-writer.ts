/**
 * The audit log file: JSON lines appended in batches off the request path, rotated by size
 * as kube-apiserver's lumberjack does (--audit-log-maxsize/-maxbackup/-maxage): the full file
 * is renamed audit-2026-12-07T17-48-07.123.log beside it (UTC) and a fresh one started;
 * rotated files beyond maxBackups or older than maxAgeDays are deleted.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Logger } from '@skiff/log';

export interface AuditLogWriterOptions {
  path: string;
  /** Bytes of one file before it is rotated (the flag is in megabytes). */
  maxBytes: number;
  maxBackups: number;
  maxAgeDays: number;
  logger: Logger;
  /** Lines waiting to be written before new ones are dropped (and counted). */
  maxBuffered?: number;
  /** How long lines wait to be written together. */
  flushIntervalMs?: number;
}

export class AuditLogWriter {
  private readonly opts: Required<AuditLogWriterOptions>;
  private buffer: string[] = [];
  private fd: number | undefined;
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Lines dropped because the buffer was full (the disk too slow or failing). */
  dropped = 0;

  constructor(opts: AuditLogWriterOptions) {
    this.opts = { maxBuffered: 10_000, flushIntervalMs: 50, ...opts };
    mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
    this.open();
  }

  /** Queues one event; never blocks and never throws. */
  write(event: unknown): void {
    if (this.buffer.length >= this.opts.maxBuffered) {
      if (this.dropped++ % 1000 === 0) this.opts.logger.warn({ dropped: this.dropped }, 'audit log buffer full: events dropped');
      return;
    }
    this.buffer.push(`${JSON.stringify(event)}\n`);
    this.timer ??= setTimeout(() => this.flush(), this.opts.flushIntervalMs);
  }

  /**
   * Writes what is buffered. Synchronous writes of one batch: a batch is at most a few
   * megabytes every flush interval, and ordering across rotations stays simple.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    try {
      let batch = '';
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + Buffer.byteLength(batch) + bytes > this.opts.maxBytes && (batch || this.size)) {
          this.append(batch);
          batch = '';
          this.rotate();
        }
        batch += line;
      }
      this.append(batch);
    } catch (err) {
      this.opts.logger.error({ err, path: this.opts.path }, 'audit log write failed');
    }
  }

  /** Flushes and closes: the apiserver's shutdown. */
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.fd = openSync(this.opts.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private append(text: string): void {
    if (!text || this.fd === undefined) return;
    writeSync(this.fd, text);
    this.size += Buffer.byteLength(text);
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    // Two rotations within a millisecond (tiny files) must not overwrite each other's backup.
    let at = Date.now();
    while (existsSync(backupName(this.opts.path, new Date(at)))) at++;
    renameSync(this.opts.path, backupName(this.opts.path, new Date(at)));
    this.open();
    this.prune();
  }

  private prune(): void {
    const dir = dirname(this.opts.path);
    const { prefix, ext } = nameParts(this.opts.path);
    const cutoff = Date.now() - this.opts.maxAgeDays * 24 * 3600_000;
    const backups = readdirSync(dir)
      .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith(ext) && backupTime(f.slice(prefix.length + 1, f.length - ext.length)) !== undefined)
      .sort()
      .reverse(); // newest first: the timestamps sort as text
    backups.forEach((f, i) => {
      const when = backupTime(f.slice(prefix.length + 1, f.length - ext.length))!;
      if (i >= this.opts.maxBackups || (this.opts.maxAgeDays > 0 && when < cutoff)) {
        try {
          unlinkSync(join(dir, f));
        } catch (err) {
          this.opts.logger.warn({ err, file: f }, 'could not remove an old audit log');
        }
      }
    });
  }
}

function nameParts(path: string): { prefix: string; ext: string } {
  const ext = extname(path);
  return { prefix: basename(path, ext), ext };
}

/** lumberjack's backup name: <name>-<UTC 2006-01-02T15-04-05.000><ext>. */
export function backupName(path: string, at: Date): string {
  const { prefix, ext } = nameParts(path);
  const stamp = at.toISOString().replace(/:/g, '-').replace(/Z$/, '');
  return join(dirname(path), `${prefix}-${stamp}${ext}`);
}

function backupTime(stamp: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/.exec(stamp);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : undefined;
}

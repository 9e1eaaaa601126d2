/**
 * A log file bounded by size: `<file>` is the live one, `<file>.1` the newest full one, up to
 * `<file>.N`; the oldest goes.
 *
 * Why copy-and-truncate rather than rename: the launcher starts a role detached, its stdout and
 * stderr appended (O_APPEND) to `logs/<role>.log`, so crash traces, V8's fatal errors and anything a
 * child writes land there too, and a role's successor (role-main's --restart-on-failure) inherits the
 * same descriptors. Node.js cannot point fd 1 and 2 at a new file (no dup2), so after a rename they
 * would keep writing into `<file>.1`, then `.2`, then a deleted file. Truncating keeps the one inode
 * every descriptor holds: the process copies the full file to `<file>.1` and truncates it, and every
 * O_APPEND writer carries on at the new end. The copy is in-kernel (copy_file_range) and our own
 * lines are written synchronously from the one JS thread, so none of ours is lost or split; bytes
 * another writer (a child) appends during the copy are, as with logrotate's copytruncate.
 */
import { closeSync, copyFileSync, existsSync, fstatSync, ftruncateSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';

export type RotationOptions = {
  /** Size at which the live file is rotated before the next line is written. */
  maxBytes: number;
  /** Rotated files kept (`<file>.1` … `<file>.N`); 0 keeps none (the live file is just emptied). */
  maxFiles: number;
};

/** 20 MiB per file, five kept: at most ~120 MiB per process, and a rotation's copy takes milliseconds. */
export const DEFAULT_ROTATION: RotationOptions = { maxBytes: 20 * 1024 * 1024, maxFiles: 5 };

/**
 * The env the launcher sets for a process it starts detached: SKIFF_LOG_FILE names the file its
 * stdout and stderr go to; SKIFF_LOG_MAX_BYTES (bytes, or with a Ki/Mi/Gi suffix) and
 * SKIFF_LOG_MAX_FILES override the defaults. Undefined when SKIFF_LOG_FILE is not set. Bad values
 * fall back to the defaults, with the reason in `problems`: a log setting must not stop a component.
 */
export function rotationFromEnv(env: NodeJS.ProcessEnv = process.env): (RotationOptions & { path: string; problems: string[] }) | undefined {
  if (!env.SKIFF_LOG_FILE) return undefined;
  return { path: env.SKIFF_LOG_FILE, ...rotationLimitsFromEnv(env) };
}

/** SKIFF_LOG_MAX_BYTES and SKIFF_LOG_MAX_FILES, or the defaults (see rotationFromEnv). */
export function rotationLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RotationOptions & { problems: string[] } {
  const problems: string[] = [];
  let { maxBytes, maxFiles } = DEFAULT_ROTATION;
  if (env.SKIFF_LOG_MAX_BYTES !== undefined) {
    const bytes = parseByteSize(env.SKIFF_LOG_MAX_BYTES);
    if (bytes !== undefined && bytes >= 1) maxBytes = bytes;
    else problems.push(`SKIFF_LOG_MAX_BYTES=${JSON.stringify(env.SKIFF_LOG_MAX_BYTES)} is not a size (e.g. 20971520 or 20Mi); using ${maxBytes}`);
  }
  if (env.SKIFF_LOG_MAX_FILES !== undefined) {
    const files = /^\d+$/.test(env.SKIFF_LOG_MAX_FILES) ? Number(env.SKIFF_LOG_MAX_FILES) : NaN;
    if (Number.isSafeInteger(files)) maxFiles = files;
    else problems.push(`SKIFF_LOG_MAX_FILES=${JSON.stringify(env.SKIFF_LOG_MAX_FILES)} is not a whole number; using ${maxFiles}`);
  }
  return { maxBytes, maxFiles, problems };
}

const UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** `1048576`, `1Mi`, `500K`: Kubernetes' quantity suffixes for bytes; undefined when it is none. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(text.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2] ?? '']!;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The rotated files of `path`, newest first, as far as they exist: `<path>.1`, `<path>.2`, … */
export function rotatedFiles(path: string): string[] {
  const files: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) files.push(`${path}.${i}`);
  return files;
}

/**
 * Moves the full contents of `path` to `<path>.1` (shifting older ones up, dropping beyond
 * maxFiles) and empties it. `fd` is a descriptor of `path` to truncate through; without one the file
 * is truncated by name.
 */
export function rotateFile(path: string, maxFiles: number, fd?: number): void {
  const kept = rotatedFiles(path).length;
  // .N would become .N+1: it goes, with any beyond it (maxFiles lowered since they were written).
  for (let i = kept; i >= Math.max(maxFiles, 1); i--) unlinkSync(`${path}.${i}`);
  for (let i = Math.min(kept, maxFiles - 1); i >= 1; i--) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  if (maxFiles > 0) copyFileSync(path, `${path}.1`);
  if (fd === undefined) {
    const own = openSync(path, 'r+');
    try {
      ftruncateSync(own);
    } finally {
      closeSync(own);
    }
  } else {
    ftruncateSync(fd);
  }
}

/** Rotates `path` when it has reached `maxBytes` (the launcher, before it starts a process on it). */
export function rotateIfFull(path: string, opts: RotationOptions): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size < opts.maxBytes) return false;
  rotateFile(path, opts.maxFiles);
  return true;
}

/**
 * The destination pino writes to: whole lines, appended synchronously, the file rotated before a
 * line would take it past maxBytes (a line longer than maxBytes gets a file to itself). Errors (a full
 * disk, a removed directory) are reported once on stderr: logging never throws into a caller.
 */
export class RotatingFile {
  readonly path: string;
  private readonly opts: RotationOptions;
  private readonly fd: number;
  /** What fails now (rotate, write): said once on stderr, again only after it worked in between. */
  private readonly failing = new Set<string>();

  constructor(path: string, opts: RotationOptions) {
    this.path = path;
    this.opts = { maxBytes: opts.maxBytes, maxFiles: opts.maxFiles };
    this.fd = openSync(path, 'a', 0o600);
  }

  write(line: string): boolean {
    try {
      // The size is looked up each time, not tallied: stderr and a successor append to the file too.
      // An fstat beside the write it precedes costs next to nothing.
      const size = fstatSync(this.fd).size;
      if (size > 0 && size + Buffer.byteLength(line) > this.opts.maxBytes) {
        rotateFile(this.path, this.opts.maxFiles, this.fd);
        this.failing.delete('rotate');
      }
    } catch (err) {
      // The line still goes out: a log that cannot rotate (its directory removed) beats a silent process.
      this.report('rotate', err);
    }
    try {
      writeSync(this.fd, line);
      this.failing.delete('write');
    } catch (err) {
      this.report('write', err);
    }
    return true;
  }

  private report(what: string, err: unknown): void {
    if (!this.failing.has(what)) process.stderr.write(`skiff: cannot ${what} log ${this.path}: ${(err as Error).message}\n`);
    this.failing.add(what);
  }

  close(): void {
    closeSync(this.fd);
  }
}

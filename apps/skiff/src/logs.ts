/**
 * `./skiff logs COMPONENT [-f] [--tail N] [--raw]`: a component's log on this host, pretty-printed.
 *
 * A role's processes write one file (logs/server.log, logs/agent.log: see processes.ts), each pino
 * line naming its component in `name`; `logs apiserver` is server.log's apiserver lines. Lines that
 * are not JSON (a crash trace, a warning from Node.js) belong to no component and are always shown.
 * `audit` is the apiserver's audit log (audit.k8s.io Events, one line each); `etcd` and `dockerd` are
 * their own logs, printed as they are.
 *
 * Files rotate while we read them, two ways, and -f follows both: a role's log is copied to
 * `<file>.1` and truncated (@skiff/log's rotating-file.ts), the audit log renamed aside and started
 * anew (lumberjack's way). The first keeps the inode and shrinks or renews `<file>.1`: what we had not
 * read yet is at the same offset in `<file>.1`. The second changes the inode: the descriptor we hold
 * still reads the renamed file to its end.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rotatedFiles } from '@skiff/log/rotating-file';
import { prettyFactory } from 'pino-pretty';
import { resolveSkiffPaths } from './paths.ts';
import { COMPONENT_NAMES, ROLE_COMPONENTS, type RoleName } from './roles/roles.ts';
import { parseFlags, UsageError } from './usage.ts';

type LogFormat = 'pino' | 'audit' | 'plain';

/** Where COMPONENT's lines are: a file, its rotated files, how they read, which lines are its own. */
export type LogTarget = { name: string; file: string; format: LogFormat; component?: string; rotated(): string[] };

/** The processes with a log of their own; etcd's and dockerd's (./skiff starts one without systemd) are not pino's. */
const PROCESSES = ['server', 'agent', 'etcd', 'kubelet-hollow', 'dockerd'] as const;
const PLAIN = ['etcd', 'dockerd'];

/** What `logs` accepts, in the order the usage error lists them. */
export const LOG_TARGETS: readonly string[] = [...PROCESSES, ...COMPONENT_NAMES, 'audit'];

function roleOf(component: string): RoleName | undefined {
  return (Object.keys(ROLE_COMPONENTS) as RoleName[]).find((role) => (ROLE_COMPONENTS[role] as readonly string[]).includes(component));
}

/** COMPONENT's log under `logDir`, or undefined when Skiff has no such component. */
export function resolveLogTarget(name: string, logDir: string): LogTarget | undefined {
  if (name === 'audit') {
    const file = join(logDir, 'audit.log');
    return { name, file, format: 'audit', rotated: () => auditBackups(file) };
  }
  const role = roleOf(name);
  const processName = role ?? ((PROCESSES as readonly string[]).includes(name) ? name : undefined);
  if (!processName) return undefined;
  const file = join(logDir, `${processName}.log`);
  return {
    name,
    file,
    format: PLAIN.includes(name) ? 'plain' : 'pino',
    ...(role ? { component: name } : {}),
    rotated: () => rotatedFiles(file),
  };
}

/** lumberjack's audit-2026-12-07T17-48-07.123.log beside audit.log, newest first (the stamps sort as text). */
function auditBackups(file: string): string[] {
  try {
    return readdirSync(dirname(file))
      .filter((f) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f))
      .sort()
      .reverse()
      .map((f) => join(dirname(file), f));
  } catch {
    return [];
  }
}

/** Whether a line is COMPONENT's (lines that are not JSON are everyone's), and how it is printed (without its newline). */
export type LineFormat = { select(line: string): boolean; render(line: string): string };

export function createLineFormat(target: LogTarget, opts: { raw: boolean; colorize: boolean }): LineFormat {
  const pretty = prettyFactory({ colorize: opts.colorize, translateTime: 'SYS:standard', ignore: 'pid,hostname', singleLine: true });
  const component = target.format === 'pino' ? target.component : undefined;
  return {
    select: (line) => {
      if (!component) return true;
      const entry = parseEntry(line);
      return !entry || (entry.name ?? entry.component) === component;
    },
    render: (line) => {
      const entry = opts.raw || target.format === 'plain' ? undefined : parseEntry(line);
      if (!entry) return line;
      if (target.format === 'audit') return formatAuditEvent(entry);
      // A child logger's own component (the apiserver's serviceaccount) is worth a field; the name's twin is not.
      if (entry.component === entry.name) delete entry.component;
      return pretty(entry).trimEnd();
    },
  };
}

function parseEntry(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** pino-pretty's SYS:standard, for the audit log's lines: `2026-12-07 17:48:07.123 +0000` in local time. */
export function formatLocalTime(at: Date): string {
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
  const offset = -at.getTimezoneOffset();
  return (
    `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)} ` +
    `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}${pad(offset % 60)}`
  );
}

/** `[time] ResponseComplete 201 create /api/v1/namespaces/default/pods user=kubernetes-admin ip=10.0.0.5 (Metadata)` */
export function formatAuditEvent(event: Record<string, unknown>): string {
  const at = typeof event.stageTimestamp === 'string' && event.stageTimestamp ? new Date(event.stageTimestamp) : undefined;
  const status = event.responseStatus as { code?: number } | undefined;
  const user = (event.user as { username?: string } | undefined)?.username ?? '?';
  const ips = Array.isArray(event.sourceIPs) ? event.sourceIPs.join(',') : '';
  return [
    at && !Number.isNaN(at.getTime()) ? `[${formatLocalTime(at)}]` : '[?]',
    event.stage ?? '?',
    status?.code ?? '-',
    event.verb ?? '?',
    event.requestURI ?? '?',
    `user=${user}`,
    ...(ips ? [`ip=${ips}`] : []),
    `(${String(event.level ?? '?')})`,
  ].join(' ');
}

/**
 * Reads one log file as lines, from where it last stopped, following it across rotations (see the
 * file comment). A line is handed out only once its newline is there.
 */
export class LogFileReader {
  private readonly file: string;
  private fd: number | undefined;
  private ino = 0;
  private offset = 0;
  /** The bytes of a line whose newline has not come yet. */
  private partial = Buffer.alloc(0);
  /** `<file>.1` as last seen: a new copy there means the live file was truncated since. */
  private rotatedStamp = '';

  /** Throws when `file` cannot be read (the audit log is root's alone); later reopens wait for it instead. */
  constructor(file: string) {
    this.file = file;
    this.open(openSync(file, 'r'));
  }

  /** Complete lines written since the last call (all of the file the first time). */
  readNew(onLine: (line: string) => void): void {
    const st = statOrUndefined(this.file);
    if (st && st.ino !== this.ino) {
      // Renamed aside (the audit log) or removed and created anew: our descriptor reads the old one's rest.
      if (this.fd !== undefined) this.offset = this.readLines(this.fd, this.offset, onLine);
      this.reopen();
    } else if (st) {
      const stamp = stampOf(`${this.file}.1`);
      if (st.size < this.offset || stamp !== this.rotatedStamp) {
        // Copied to <file>.1 and truncated: the part we had not read is there, at our offset.
        this.readRotatedCopy(onLine);
        this.offset = 0;
      }
      this.rotatedStamp = stamp;
    }
    if (this.fd !== undefined) this.offset = this.readLines(this.fd, this.offset, onLine);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private reopen(): void {
    this.close();
    try {
      this.open(openSync(this.file, 'r'));
    } catch {}
  }

  private open(fd: number): void {
    this.fd = fd;
    this.ino = fstatSync(fd).ino;
    this.offset = 0;
    this.rotatedStamp = stampOf(`${this.file}.1`);
  }

  private readRotatedCopy(onLine: (line: string) => void): void {
    let fd: number;
    try {
      fd = openSync(`${this.file}.1`, 'r');
    } catch {
      return;
    }
    try {
      this.readLines(fd, this.offset, onLine);
    } finally {
      closeSync(fd);
    }
  }

  /** Reads `fd` from `from` to its current end in chunks, handing out complete lines; returns where it stopped. */
  private readLines(fd: number, from: number, onLine: (line: string) => void): number {
    const end = fstatSync(fd).size;
    const chunk = Buffer.alloc(64 * 1024);
    let at = from;
    while (at < end) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - at), at);
      if (n === 0) break;
      at += n;
      let data = Buffer.concat([this.partial, chunk.subarray(0, n)]);
      for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
        onLine(data.subarray(0, nl).toString('utf8'));
        data = data.subarray(nl + 1);
      }
      this.partial = Buffer.from(data);
    }
    return at;
  }
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function stampOf(file: string): string {
  const st = statOrUndefined(file);
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '';
}

/** The last `count` lines `select` accepts, of the live file and as many rotated ones as it takes. */
function lastLines(target: LogTarget, count: number, select: (line: string) => boolean, reader: LogFileReader): string[] {
  const last: string[] = [];
  const collect = (line: string) => {
    if (!select(line)) return;
    last.push(line);
    if (last.length > count) last.shift();
  };
  reader.readNew(collect);
  let lines = last.splice(0);
  for (const file of target.rotated()) {
    if (lines.length >= count) break;
    const older = new LogFileReader(file);
    older.readNew(collect);
    older.close();
    lines = [...last.splice(0).slice(-(count - lines.length)), ...lines];
  }
  return lines.slice(-count);
}

export type LogsOptions = { env?: NodeJS.ProcessEnv; signal?: AbortSignal; write?: (text: string) => void; pollMs?: number };

export async function runLogs(args: string[], opts: LogsOptions = {}): Promise<number> {
  const { flags, positional } = parseFlags(args, { booleans: ['follow', 'raw'], values: ['tail'], aliases: { '-f': 'follow' }, positional: 1 });
  const valid = `one of ${LOG_TARGETS.join(', ')}`;
  const name = positional[0];
  if (name === undefined) throw new UsageError(`COMPONENT is required: ${valid}`);
  const tail = flags.tail === undefined ? -1 : Number(flags.tail);
  if (!Number.isInteger(tail) || tail < -1)
    throw new UsageError(`invalid argument "${String(flags.tail)}" for "--tail" flag: want a whole number of lines, -1 for all`);
  const paths = resolveSkiffPaths(opts.env ?? process.env);
  const target = resolveLogTarget(name, paths.logDir);
  if (!target) throw new UsageError(`unknown component "${name}": ${valid}`);
  if (!existsSync(target.file)) {
    const unit = roleOf(name) ?? name;
    const systemd = existsSync(`/etc/systemd/system/skiff-${unit}.service`) ? `; under systemd: journalctl -u skiff-${unit}` : '';
    console.error(`skiff logs: no log for ${name} yet (is the cluster up? ./skiff up)${systemd}`);
    return 1;
  }

  // A closed pipe is seen on the next write (writeStdout); its error event must not crash us meanwhile.
  if (!opts.write) process.stdout.on('error', () => {});
  const write = opts.write ?? writeStdout;
  const format = createLineFormat(target, {
    raw: flags.raw === true,
    colorize: opts.write === undefined && process.stdout.isTTY === true && !process.env.NO_COLOR,
  });
  const show = (line: string) => {
    if (format.select(line)) write(`${format.render(line)}\n`);
  };
  const reader = new LogFileReader(target.file);
  try {
    if (tail === -1) reader.readNew(show);
    else if (tail > 0) for (const line of lastLines(target, tail, format.select, reader)) write(`${format.render(line)}\n`);
    else reader.readNew(() => {}); // --tail 0: only what comes next
    if (flags.follow !== true) return 0;
    while (!opts.signal?.aborted) {
      await sleep(opts.pollMs ?? 200, undefined, { signal: opts.signal }).catch(() => {});
      reader.readNew(show);
    }
    return 0;
  } catch (err) {
    if (err instanceof StdoutClosed) return 0;
    throw err;
  } finally {
    reader.close();
  }
}

class StdoutClosed extends Error {}

/** `./skiff logs server | head` closes the pipe early: that ends us quietly, as it does cat. */
function writeStdout(text: string): void {
  // A write to a closed pipe fails at once (pipes are synchronous on Linux), its error event comes later.
  if (process.stdout.errored) throw new StdoutClosed();
  process.stdout.write(text);
}

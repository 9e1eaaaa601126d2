/**
 * Container logs and exec over Docker's multiplexed streams: without a TTY Docker frames stdout and
 * stderr in one connection (8-byte headers), which docker-modem splits back into two streams.
 */
import { PassThrough, type Writable } from 'node:stream';
import type Docker from 'dockerode';

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines after this time (Unix ms). */
  sinceTime?: number;
  timestamps?: boolean;
}

/** Returns one stream of the container's stdout and stderr; with `follow` it ends when the container does. */
export async function streamContainerLogs(docker: Docker, id: string, opts: LogOptions): Promise<NodeJS.ReadableStream> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  // Docker's default tail is every line; `since` is in whole seconds.
  const common: Docker.ContainerLogsOptions = {
    stdout: true,
    stderr: true,
    timestamps: opts.timestamps ?? false,
    since: opts.sinceTime === undefined ? 0 : Math.floor(opts.sinceTime / 1000),
  };
  if (opts.tailLines !== undefined) common.tail = opts.tailLines;
  const out = new PassThrough();
  if (opts.follow) {
    const raw = await container.logs({ ...common, follow: true });
    demux(docker, raw, info.Config.Tty, out, out);
    raw.on('end', () => out.end());
    raw.on('error', (err: Error) => out.destroy(err));
  } else {
    const raw = await container.logs({ ...common, follow: false });
    out.end(info.Config.Tty ? raw : decodeFrames(raw));
  }
  return out;
}

function demux(docker: Docker, raw: NodeJS.ReadableStream, tty: boolean, stdout: Writable, stderr: Writable): void {
  if (tty) raw.pipe(stdout, { end: false });
  else docker.modem.demuxStream(raw, stdout, stderr);
}

/** Joins the payloads of a complete multiplexed buffer (header: stream, 0, 0, 0, uint32 length). */
export function decodeFrames(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts);
}

export interface ExecOptions {
  stdin?: boolean;
  tty?: boolean;
  env?: string[];
}

export interface ExecSession {
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Present when `stdin` was asked for; end it to close the process's stdin. */
  stdin?: NodeJS.WritableStream;
  /** Resolves with the exit code once the process ended and its output was read. */
  exitCode: Promise<number>;
}

export async function execInContainer(docker: Docker, id: string, cmd: string[], opts: ExecOptions): Promise<ExecSession> {
  const exec = await docker.getContainer(id).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: opts.stdin ?? false,
    Tty: opts.tty ?? false,
    Env: opts.env,
  });
  const stream = await exec.start({ hijack: true, stdin: opts.stdin ?? false, Tty: opts.tty ?? false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  demux(docker, stream, opts.tty ?? false, stdout, stderr);
  const exitCode = new Promise<number>((resolve, reject) => {
    const finish = () => {
      stdout.end();
      stderr.end();
      exec.inspect().then((i) => resolve(i.ExitCode ?? -1), reject);
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', reject);
  });
  // Either 'end' or 'close' may come first; inspect is cheap and the promise settles once.
  return { stdout, stderr, stdin: opts.stdin ? stream : undefined, exitCode };
}

/** Runs a command to completion and collects its output (exec probes, tests). */
export async function runInContainer(
  docker: Docker,
  id: string,
  cmd: string[],
  timeoutMs = 30_000,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const session = await execInContainer(docker, id, cmd, {});
  const collect = (s: NodeJS.ReadableStream) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`exec ${cmd.join(' ')} in ${id}: timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const [exitCode, stdout, stderr] = await Promise.race([Promise.all([session.exitCode, collect(session.stdout), collect(session.stderr)]), timeout]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

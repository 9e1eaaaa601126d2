/**
 * The client side of the Kubernetes WebSocket stream protocol (v5/v4.channel.k8s.io): every
 * binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 error (a
 * metav1.Status), 4 resize; v5 adds 255 "close channel" so stdin's end can be signalled.
 */
import type { Readable, Writable } from 'node:stream';
import type WebSocket from 'ws';
import { ApiStatusError, type ClientConfig } from '@skiff/client';
import { openWebSocket, type Query } from './raw-stream.ts';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export interface StatusLike {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The remote exit code a v4/v5 error-channel Status stands for, or undefined for other failures. */
export function exitCodeOfStatus(status: StatusLike): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}

const HIGH_WATER = 1 << 20;

export interface SessionIo {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Current terminal size and changes (TTY only). */
  size?: () => { width: number; height: number } | undefined;
  onResize?: (listener: () => void) => () => void;
}

/** Runs the session until the server closes it; answers the error channel's Status (Success when empty). */
export function runWebSocketSession(ws: WebSocket, io: SessionIo): Promise<StatusLike> {
  return new Promise((resolve, reject) => {
    let errorText = '';
    const cleanups: (() => void)[] = [];
    const sendResize = () => {
      const size = io.size?.();
      if (size && ws.readyState === ws.OPEN)
        ws.send(Buffer.concat([Buffer.from([RESIZE]), Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))]));
    };
    if (io.size) {
      sendResize();
      if (io.onResize) cleanups.push(io.onResize(sendResize));
    }
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const body = data.subarray(1);
      if (data[0] === STDOUT) io.stdout.write(body);
      else if (data[0] === STDERR) io.stderr.write(body);
      else if (data[0] === ERROR) errorText += body.toString('utf8');
    });
    ws.resume();
    if (io.stdin) {
      const input = io.stdin;
      // Backpressure: a piped archive (kubectl cp) is read no faster than the socket drains.
      const onData = (chunk: Buffer | string) => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(Buffer.concat([Buffer.from([STDIN]), Buffer.from(chunk)]), () => {
          if (input.isPaused() && ws.bufferedAmount < HIGH_WATER) input.resume();
        });
        if (ws.bufferedAmount >= HIGH_WATER) input.pause();
      };
      const onEnd = () => {
        if (ws.readyState === ws.OPEN && ws.protocol === 'v5.channel.k8s.io') ws.send(Buffer.from([CLOSE, STDIN]));
      };
      io.stdin.on('data', onData);
      io.stdin.on('end', onEnd);
      cleanups.push(() => {
        io.stdin?.off('data', onData);
        io.stdin?.off('end', onEnd);
        io.stdin?.pause();
      });
    }
    ws.once('error', (err) => {
      for (const c of cleanups) c();
      reject(err);
    });
    ws.once('close', () => {
      for (const c of cleanups) c();
      if (!errorText.trim()) return resolve({ status: 'Success' });
      try {
        resolve(JSON.parse(errorText) as StatusLike);
      } catch {
        resolve({ status: 'Failure', message: errorText.trim() });
      }
    });
  });
}

/**
 * runWebSocketSession with the local terminal raw while it runs when `tty` (restored even on
 * failure), sending the size of io.stdout and its changes: exec -t and attach -it.
 */
export async function runTerminalSession(ws: WebSocket, io: Omit<SessionIo, 'size' | 'onResize'>, tty: boolean, input: NodeJS.ReadStream): Promise<StatusLike> {
  const output = io.stdout as NodeJS.WriteStream;
  const restore = tty && input.setRawMode ? (input.setRawMode(true), () => input.setRawMode(false)) : () => {};
  try {
    return await runWebSocketSession(ws, {
      ...io,
      size: tty ? () => (output.columns ? { width: output.columns, height: output.rows } : undefined) : undefined,
      onResize: tty
        ? (listener) => {
            output.on('resize', listener);
            return () => output.off('resize', listener);
          }
        : undefined,
    });
  } finally {
    restore();
  }
}

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/**
 * Runs `command` in the container over pods/exec (stdout and stderr separate, no TTY) and answers
 * the error channel's Status; aborting `signal` drops the connection (the session then resolves).
 */
export async function execInContainer(config: ClientConfig, target: ExecTarget, command: string[], io: SessionIo, signal?: AbortSignal): Promise<StatusLike> {
  const query: Query = [...command.map((c): [string, string] => ['command', c]), ['container', target.container], ['stdout', 'true'], ['stderr', 'true']];
  if (io.stdin) query.push(['stdin', 'true']);
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`;
  const ws = await openWebSocket(config, path, query, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  const onAbort = () => ws.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await runWebSocketSession(ws, io);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** kubectl's ending for a remote command: 0, or "command terminated with exit code N" and N; other failures throw the Status. */
export function exitOfSession(status: StatusLike, err: Writable, verb: string): number {
  const code = exitCodeOfStatus(status);
  if (code === 0) return 0;
  if (code !== undefined) {
    err.write(`command terminated with exit code ${code}\n`);
    return code;
  }
  throw new ApiStatusError(
    { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: status.message ?? 'unknown error', reason: status.reason as never },
    verb,
  );
}

/**
 * exec/attach over SPDY (upstream's remotecommand protocols v1–v4): the client opens an error
 * stream, then stdin/stdout/stderr as asked, and a resize stream with a TTY (v3+). Once all have
 * arrived the backend runs the session; afterwards stdout/stderr get FIN, the error stream the
 * outcome (v4: a metav1.Status whose NonZeroExitCode cause kubectl turns into its own exit code;
 * older versions: the failure as text), and the connection closes.
 */
import { EventEmitter } from 'node:events';
import { finished } from 'node:stream/promises';
import {
  toErrorStatus,
  toExitStatus,
  type SessionStreams,
  type StreamRequest,
  type StreamStatus,
  type StreamingBackend,
  type TerminalSize,
} from '../streaming-backend.ts';
import type { SpdyConnection, SpdyStream } from './connection.ts';
import { parseResizeStream } from './resize.ts';

export const EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** Upstream waits this long for the client to open its streams. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

export function expectedStreams(request: StreamRequest, protocol: string): StreamType[] {
  const types: StreamType[] = ['error'];
  if (request.stdin) types.push('stdin');
  if (request.stdout) types.push('stdout');
  if (request.stderr && !request.tty) types.push('stderr');
  if (request.tty && (protocol === 'v3.channel.k8s.io' || protocol === 'v4.channel.k8s.io')) types.push('resize');
  return types;
}

function waitForStreams(conn: SpdyConnection, wanted: StreamType[]): Promise<Map<StreamType, SpdyStream>> {
  return new Promise((resolve, reject) => {
    const got = new Map<StreamType, SpdyStream>();
    const done = () => {
      clearTimeout(timer);
      conn.off('stream', onStream);
      conn.off('close', onClose);
    };
    const onStream = (stream: SpdyStream) => {
      const type = stream.headers.streamtype as StreamType;
      if (!wanted.includes(type) || got.has(type)) {
        stream.reset();
        return;
      }
      got.set(type, stream);
      if (got.size === wanted.length) {
        done();
        resolve(got);
      }
    };
    const onClose = () => {
      done();
      reject(new Error('connection closed before all streams were created'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('timed out waiting for client to create streams'));
    }, STREAM_CREATION_TIMEOUT_MS);
    conn.on('stream', onStream);
    conn.on('close', onClose);
  });
}

function errorPayload(status: StreamStatus, protocol: string): string {
  if (protocol === 'v4.channel.k8s.io') return JSON.stringify(status);
  return status.status === 'Success' ? '' : (status.message ?? 'error');
}

async function endStream(stream: SpdyStream | undefined, data?: string): Promise<void> {
  if (!stream || stream.writableEnded) return;
  if (data) stream.write(data);
  stream.end();
  await finished(stream, { readable: false }).catch(() => {});
}

export async function serveExecSession(conn: SpdyConnection, backend: StreamingBackend, request: StreamRequest, protocol: string): Promise<void> {
  let streams: Map<StreamType, SpdyStream>;
  try {
    streams = await waitForStreams(conn, expectedStreams(request, protocol));
  } catch {
    await conn.close();
    return;
  }
  const resize = new EventEmitter<{ resize: [TerminalSize] }>();
  const resizeStream = streams.get('resize');
  if (resizeStream) parseResizeStream(resizeStream, (size) => resize.emit('resize', size));
  const session: SessionStreams = {
    stdin: streams.get('stdin'),
    stdout: streams.get('stdout'),
    stderr: streams.get('stderr'),
    resize: resizeStream ? resize : undefined,
  };
  let status: StreamStatus;
  try {
    const result = request.kind === 'attach' ? await backend.attach(request, session) : await backend.exec(request, session);
    status = toExitStatus(result);
  } catch (err) {
    status = toErrorStatus(err);
  }
  await endStream(streams.get('stdout'));
  await endStream(streams.get('stderr'));
  await endStream(streams.get('error'), errorPayload(status, protocol));
  await conn.close();
}

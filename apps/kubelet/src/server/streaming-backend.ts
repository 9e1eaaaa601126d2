/**
 * The transport-neutral half of the kubelet's streaming API (exec, attach, port-forward), as
 * upstream's pkg/kubelet/cri/streaming splits it: a transport (WebSocket in websocket.ts, SPDY in
 * spdy/) parses the request, upgrades the connection, turns its channels into Node streams and hands
 * them to a StreamingBackend, which talks to the container runtime. Both transports report the
 * outcome the same way, as a metav1.Status on the error channel (see toExitStatus/toErrorStatus).
 */
import type { Duplex } from 'node:stream';

export type StreamKind = 'exec' | 'attach' | 'portforward';

export interface StreamRequest {
  kind: StreamKind;
  namespace: string;
  pod: string;
  /** Absent for port-forward; for exec/attach the path always names one. */
  container?: string;
  /** exec only: argv, from repeated `command=` query parameters. */
  command?: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** portforward only: `port=` query parameters (the WebSocket protocol names ports up front; SPDY per stream). */
  ports?: number[];
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** Anything that emits 'resize' with a TerminalSize (an EventEmitter the transport owns). */
export interface ResizeSource {
  on(event: 'resize', listener: (size: TerminalSize) => void): unknown;
}

/** The client's side of an exec/attach session; a stream is present only when the request asked for it. */
export interface SessionStreams {
  /** What the client types; its end closes the process's stdin. */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** Absent with a TTY (the terminal merges both into stdout). */
  stderr?: NodeJS.WritableStream;
  /** Terminal size changes (TTY only). */
  resize?: ResizeSource;
}

/** How a session ended: the process's exit code (0 = success). */
export interface SessionResult {
  exitCode: number;
}

/** A failure with an HTTP status, raised before or during a session (unknown pod: 404, not running: 400). */
export class StreamError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'StreamError';
    this.code = code;
    this.reason = reason;
  }
}

export interface StreamingBackend {
  /**
   * Checks that the target exists and can be streamed to (pod known, container running) before the
   * transport upgrades, so a bad request gets a plain HTTP error. Throws StreamError.
   */
  validate(req: StreamRequest): Promise<void>;
  /** Runs req.command in the container; resolves when the process exited and its output was flushed. */
  exec(req: StreamRequest, streams: SessionStreams): Promise<SessionResult>;
  /** Attaches to the container's main process (its stdio) until the container or the client ends it. */
  attach(req: StreamRequest, streams: SessionStreams): Promise<SessionResult>;
  /** Opens a TCP connection to the pod's IP on `port` (from the kubelet: a server bound to the pod's 127.0.0.1 only is not reachable). */
  portForward(req: StreamRequest, port: number): Promise<Duplex>;
}

/** metav1.Status a transport sends on the error channel once a session ended. */
export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

/** Success, or the NonZeroExitCode failure kubectl turns back into its own exit code. */
export function toExitStatus(result: SessionResult, command: string[] = []): StreamStatus {
  if (result.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  };
}

export function toErrorStatus(err: unknown): StreamStatus {
  if (err instanceof StreamError) return { metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code };
  return { metadata: {}, status: 'Failure', message: (err as Error)?.message ?? String(err), reason: 'InternalError', code: 500 };
}

/**
 * Parses a kubelet streaming path and query, e.g. `/exec/default/web/app?command=sh&command=-c&stdin=1`
 * or `/portForward/default/web?port=8080`. Returns undefined for other paths. Boolean flags accept
 * `1` and `true` like upstream's strconv.ParseBool.
 */
export function parseStreamRequest(url: string): StreamRequest | undefined {
  const parsed = new URL(url, 'http://kubelet');
  const parts = parsed.pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const q = parsed.searchParams;
  const flag = (name: string) => ['1', 'true', 't', 'TRUE', 'True', 'T'].includes(q.get(name) ?? '');
  const [verb, namespace, pod, container] = parts;
  if (verb === 'portForward' && parts.length === 3) {
    const ports = q
      .getAll('port')
      .flatMap((p) => p.split(','))
      .filter((p) => p !== '')
      .map(Number);
    return { kind: 'portforward', namespace, pod, stdin: false, stdout: false, stderr: false, tty: false, ports };
  }
  if ((verb === 'exec' || verb === 'attach') && parts.length === 4) {
    const tty = flag('tty');
    return {
      kind: verb,
      namespace,
      pod,
      container,
      command: verb === 'exec' ? q.getAll('command') : undefined,
      stdin: flag('stdin'),
      stdout: flag('stdout'),
      stderr: flag('stderr') && !tty,
      tty,
    };
  }
  return undefined;
}

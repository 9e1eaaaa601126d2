/**
 * The WebSocket transport of the streaming API, as upstream's wsstream speaks it: every message is
 * prefixed by a channel number (one byte in the binary protocols; an ASCII digit followed by base64
 * in the base64 ones). exec/attach: 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status from v4 on,
 * plain text before), 4 resize ({"Width","Height"}); v5 adds channel 255 "close": [255, n] ends the
 * client's channel n (stdin's EOF). port-forward: port i uses data channel 2i and error channel 2i+1;
 * the first frame the server sends on each carries the port as uint16 little-endian.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { Logger } from '@skiff/log';
import { WebSocket, WebSocketServer } from 'ws';
import { toErrorStatus, toExitStatus, type SessionResult, type StreamingBackend, type StreamRequest, type StreamStatus } from './streaming-backend.ts';

const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';
const V4_BASE64 = 'v4.base64.channel.k8s.io';
const V1 = 'channel.k8s.io';
const V1_BASE64 = 'base64.channel.k8s.io';
const PORT_FORWARD = 'portforward.k8s.io';

const EXEC_PROTOCOLS = [V5, V4, V4_BASE64, V1, V1_BASE64];
const PORT_FORWARD_PROTOCOLS = [V4, V4_BASE64, PORT_FORWARD, V1, V1_BASE64];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** The protocol we speak from what the client offered; '' (binary) when it offered none, undefined when none fits. */
export function negotiateProtocol(kind: StreamRequest['kind'], header: string | undefined): string | undefined {
  const offered = (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (offered.length === 0) return '';
  const ours = kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : EXEC_PROTOCOLS;
  return ours.find((p) => offered.includes(p));
}

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered: Set<string>, req: IncomingMessage) => {
    const chosen = (req as IncomingMessage & { k8sProtocol?: string }).k8sProtocol;
    return chosen && offered.has(chosen) ? chosen : false;
  },
});

/** Upgrades `req` (already authenticated and validated) and runs the session on `backend`. */
export function handleWebSocketUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  backend: StreamingBackend,
  request: StreamRequest,
  logger: Logger,
): void {
  const protocol = negotiateProtocol(request.kind, req.headers['sec-websocket-protocol']);
  if (protocol === undefined) {
    const body = `unable to upgrade: unable to negotiate protocol: client supports ${req.headers['sec-websocket-protocol']}`;
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  (req as IncomingMessage & { k8sProtocol?: string }).k8sProtocol = protocol;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const channels = new ChannelConn(ws, protocol);
    const run = request.kind === 'portforward' ? runPortForward(channels, backend, request, logger) : runSession(channels, backend, request);
    run.catch((err: Error) => logger.warn({ err: err.message, pod: `${request.namespace}/${request.pod}` }, 'stream session failed'));
  });
}

/** Channel framing over one WebSocket, for the negotiated protocol. */
class ChannelConn {
  readonly ws: WebSocket;
  readonly protocol: string;
  readonly base64: boolean;

  constructor(ws: WebSocket, protocol: string) {
    this.ws = ws;
    this.protocol = protocol;
    this.base64 = protocol.includes('base64');
  }

  send(channel: number, data: Buffer | string, cb?: (err?: Error) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      cb?.();
      return;
    }
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.base64) this.ws.send(String.fromCharCode(48 + channel) + payload.toString('base64'), cb);
    else this.ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true }, cb);
  }

  onMessage(listener: (channel: number, payload: Buffer) => void): void {
    this.ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (buf.length === 0) return;
      if (this.base64 || !isBinary) {
        const text = buf.toString('utf8');
        if (this.base64) {
          listener(text.charCodeAt(0) - 48, Buffer.from(text.slice(1), 'base64'));
          return;
        }
      }
      listener(buf[0]!, buf.subarray(1));
    });
  }

  writable(channel: number): Writable {
    return new Writable({ write: (chunk: Buffer, _enc, cb) => this.send(channel, chunk, () => cb()) });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }
}

async function runSession(conn: ChannelConn, backend: StreamingBackend, req: StreamRequest): Promise<void> {
  const stdin = req.stdin ? new PassThrough() : undefined;
  const resize = new EventEmitter();
  conn.onMessage((channel, payload) => {
    if (channel === STDIN) stdin?.write(payload);
    else if (channel === RESIZE) {
      try {
        const size = JSON.parse(payload.toString('utf8')) as { Width?: number; Height?: number };
        resize.emit('resize', { width: size.Width ?? 0, height: size.Height ?? 0 });
      } catch {
        // A malformed resize is dropped, as upstream does.
      }
    } else if (channel === CLOSE && conn.protocol === V5 && payload[0] === STDIN) stdin?.end();
  });
  conn.ws.once('close', () => stdin?.end());
  // Tells the client the session is open: an empty frame on the lowest channel it will read.
  conn.send(req.stdout ? STDOUT : req.stderr ? STDERR : ERROR, Buffer.alloc(0));
  let status: StreamStatus;
  try {
    const streams = { stdin, stdout: req.stdout ? conn.writable(STDOUT) : undefined, stderr: req.stderr ? conn.writable(STDERR) : undefined, resize };
    const result: SessionResult = req.kind === 'exec' ? await backend.exec(req, streams) : await backend.attach(req, streams);
    status = toExitStatus(result, req.command);
  } catch (err) {
    status = toErrorStatus(err);
  }
  await new Promise<void>((resolve) => {
    const v4Plus = conn.protocol === V5 || conn.protocol.startsWith('v4.');
    if (v4Plus) conn.send(ERROR, JSON.stringify(status), () => resolve());
    else if (status.status === 'Failure') conn.send(ERROR, status.message ?? 'error', () => resolve());
    else resolve();
  });
  conn.close();
}

async function runPortForward(conn: ChannelConn, backend: StreamingBackend, req: StreamRequest, logger: Logger): Promise<void> {
  const ports = req.ports ?? [];
  // Client bytes may arrive before the dial to the pod completes: they wait in a buffer per port.
  const inbound = ports.map(() => new PassThrough());
  conn.onMessage((channel, payload) => {
    // Only data channels (even) carry client bytes; what arrives on error channels is ignored.
    if (channel % 2 === 0) inbound[channel / 2]?.write(payload);
  });
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    conn.send(2 * i, portBytes);
    conn.send(2 * i + 1, portBytes);
  });
  const forwards = ports.map(async (port, i) => {
    let target: Duplex;
    try {
      target = await backend.portForward(req, port);
    } catch (err) {
      conn.send(2 * i + 1, (err as Error).message);
      return;
    }
    inbound[i]!.pipe(target);
    conn.ws.once('close', () => target.destroy());
    target.on('data', (chunk: Buffer) => conn.send(2 * i, chunk));
    await new Promise<void>((resolve) => {
      target.once('close', resolve);
      target.once('error', (err) => {
        logger.debug({ err: err.message, port }, 'port-forward connection error');
        conn.send(2 * i + 1, `error forwarding port ${port}: ${err.message}`);
        resolve();
      });
    });
  });
  await Promise.all(forwards);
  conn.close();
}

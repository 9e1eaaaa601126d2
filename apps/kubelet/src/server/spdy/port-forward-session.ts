/**
 * port-forward over SPDY (portforward.k8s.io): for every local connection kubectl opens a pair of
 * streams sharing a `requestID` — `streamtype: error` and `streamtype: data`, both with `port`.
 * When a pair is complete the backend dials the pod's port and the data stream is piped both
 * ways; a dial failure goes to the error stream as text (kubectl prints it and keeps listening).
 * The connection stays up for further pairs until kubectl closes it.
 */
import type { Duplex } from 'node:stream';
import type { StreamRequest, StreamingBackend } from '../streaming-backend.ts';
import type { SpdyConnection, SpdyStream } from './connection.ts';

export const PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'];

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

function forward(backend: StreamingBackend, request: StreamRequest, pair: Required<Pair>, sockets: Set<Duplex>): void {
  const portText = pair.data.headers.port ?? '';
  const port = Number(portText);
  const fail = (message: string) => {
    if (!pair.error.writableEnded) pair.error.end(message);
    if (!pair.data.writableEnded) pair.data.end();
  };
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    fail(`invalid port header: ${JSON.stringify(portText)}`);
    return;
  }
  backend.portForward(request, port).then(
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', (err) => fail(`error forwarding port ${port} to pod ${request.namespace}/${request.pod}: ${err.message}`));
      pair.data.on('reset', () => socket.destroy());
      pair.data.pipe(socket);
      socket.pipe(pair.data);
      socket.on('end', () => {
        if (!pair.error.writableEnded) pair.error.end();
      });
    },
    (err: Error) => fail(`error forwarding port ${port} to pod ${request.namespace}/${request.pod}: ${err.message}`),
  );
}

export function servePortForwardSession(conn: SpdyConnection, backend: StreamingBackend, request: StreamRequest): void {
  const pairs = new Map<string, Pair>();
  const sockets = new Set<Duplex>();
  conn.on('stream', (stream) => {
    const type = stream.headers.streamtype;
    if (type !== 'error' && type !== 'data') {
      stream.reset();
      return;
    }
    // kubectl before 1.6 sent no requestID; its streams paired by port.
    const key = stream.headers.requestid ?? `port:${stream.headers.port ?? ''}`;
    const pair = pairs.get(key) ?? {};
    if (pair[type]) {
      stream.reset();
      return;
    }
    pair[type] = stream;
    pairs.set(key, pair);
    if (pair.error && pair.data) {
      pairs.delete(key);
      forward(backend, request, pair as Required<Pair>, sockets);
    }
  });
  conn.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
}

/**
 * SPDY/3.1 transport for exec, attach and port-forward (kubectl before 1.30/1.31 speaks only
 * this; newer ones fall back to it). The client asks with `Upgrade: SPDY/3.1` and a list of
 * X-Stream-Protocol-Version values; we answer 101 with the first one we support (upstream's
 * httpstream.Handshake) and then serve the session over the SPDY connection.
 * The caller (the kubelet server) has already run StreamingBackend.validate().
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamingBackend, StreamRequest } from '../streaming-backend.ts';
import { SpdyConnection } from './connection.ts';
import { EXEC_PROTOCOLS, serveExecSession } from './exec-session.ts';
import { PORT_FORWARD_PROTOCOLS, servePortForwardSession } from './port-forward-session.ts';

/** The client's offered protocols, in its order (the header may repeat or hold a comma list). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['x-stream-protocol-version'];
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The first offered protocol the server supports; '' when the client offered none (legacy v1). */
export function negotiateProtocol(offered: string[], supported: string[]): string | undefined {
  if (offered.length === 0) return '';
  return offered.find((p) => supported.includes(p));
}

function refuse(socket: Duplex, code: number, text: string, body: string): void {
  socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export function handleSpdyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, backend: StreamingBackend, request: StreamRequest): void {
  const supported = request.kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : EXEC_PROTOCOLS;
  const offered = offeredProtocols(req);
  const protocol = negotiateProtocol(offered, supported);
  if (protocol === undefined) {
    refuse(
      socket,
      403,
      'Forbidden',
      `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(supported)}\n`,
    );
    return;
  }
  const chosen = protocol || (request.kind === 'portforward' ? PORT_FORWARD_PROTOCOLS[0] : 'channel.k8s.io');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : ''}\r\n`,
  );
  const conn = new SpdyConnection(socket, head);
  if (request.kind === 'portforward') servePortForwardSession(conn, backend, request);
  else void serveExecSession(conn, backend, request, chosen);
}

import type { Socket } from 'node:net';

/** TCP DNS messages carry a two-byte length prefix (RFC 1035 §4.2.2). */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/**
 * Calls `onMessage` for every length-prefixed message read from the socket, however the
 * bytes are split across reads (one message may span chunks; one chunk may hold several).
 * Buffered bytes are capped so a peer cannot make us hold unbounded memory.
 */
export function readFramedMessages(socket: Socket, onMessage: (msg: Buffer) => void, maxBuffered = 128 * 1024): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length > maxBuffered) {
      socket.destroy();
      return;
    }
    while (pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (pending.length < 2 + len) break;
      const msg = pending.subarray(2, 2 + len);
      pending = pending.subarray(2 + len);
      onMessage(msg);
    }
  });
}

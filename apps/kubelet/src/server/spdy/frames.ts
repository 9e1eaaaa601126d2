/**
 * SPDY/3.1 frame layout (draft-mbelshe-httpbis-spdy-00 §2.2, plus 3.1's connection-level
 * WINDOW_UPDATE): an 8-byte header, control frames flagged by the top bit and carrying version 3
 * and a type, data frames carrying a 31-bit stream id. Header blocks stay compressed here; the
 * connection runs them through header-codec.ts in order.
 */
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const HEADERS = 8;
export const WINDOW_UPDATE = 9;

/** RST_STREAM status codes used here. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;

export interface DataFrame {
  control: false;
  streamId: number;
  flags: number;
  data: Buffer;
}

export interface ControlFrame {
  control: true;
  version: number;
  type: number;
  flags: number;
  payload: Buffer;
}

export type Frame = DataFrame | ControlFrame;

/** Largest payload accepted (the length field allows 16 MiB; kubectl sends at most 32 KiB chunks). */
const MAX_PAYLOAD = 0xffffff;

/** Accumulates socket bytes and yields whole frames. */
export class FrameReader {
  #buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const frames: Frame[] = [];
    while (this.#buffered.length >= 8) {
      const length = this.#buffered.readUIntBE(5, 3);
      if (length > MAX_PAYLOAD) throw new Error(`spdy: frame length ${length} too large`);
      if (this.#buffered.length < 8 + length) break;
      const head = this.#buffered.readUInt32BE(0);
      const flags = this.#buffered[4];
      const payload = this.#buffered.subarray(8, 8 + length);
      if (head & 0x80000000) {
        frames.push({ control: true, version: (head >>> 16) & 0x7fff, type: head & 0xffff, flags, payload });
      } else {
        frames.push({ control: false, streamId: head & 0x7fffffff, flags, data: payload });
      }
      this.#buffered = this.#buffered.subarray(8 + length);
    }
    return frames;
  }
}

export function encodeControl(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE((0x80000000 | (3 << 16) | type) >>> 0, 0);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

export function encodeData(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

function u32s(...values: number[]): Buffer {
  const buf = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => buf.writeUInt32BE(v >>> 0, 4 * i));
  return buf;
}

export function encodeSynReply(streamId: number, flags: number, compressedHeaders: Buffer): Buffer {
  return encodeControl(SYN_REPLY, flags, Buffer.concat([u32s(streamId & 0x7fffffff), compressedHeaders]));
}

/** Only the client opens streams in this protocol; the server side never sends SYN_STREAM except in tests. */
export function encodeSynStream(streamId: number, flags: number, compressedHeaders: Buffer): Buffer {
  return encodeControl(SYN_STREAM, flags, Buffer.concat([u32s(streamId & 0x7fffffff, 0), Buffer.alloc(2), compressedHeaders]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  return encodeControl(RST_STREAM, 0, u32s(streamId & 0x7fffffff, status));
}

export function encodePing(id: number): Buffer {
  return encodeControl(PING, 0, u32s(id));
}

export function encodeGoAway(lastGoodStreamId: number, status = 0): Buffer {
  return encodeControl(GOAWAY, 0, u32s(lastGoodStreamId & 0x7fffffff, status));
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return encodeControl(WINDOW_UPDATE, 0, u32s(streamId & 0x7fffffff, delta & 0x7fffffff));
}

/** The stream id a SYN_STREAM/SYN_REPLY/RST_STREAM/HEADERS/WINDOW_UPDATE payload starts with. */
export function streamIdOf(payload: Buffer): number {
  return payload.readUInt32BE(0) & 0x7fffffff;
}

/** SYN_STREAM: stream id, associated id, priority/slot, then the compressed header block. */
export function parseSynStream(payload: Buffer): { streamId: number; headerBlock: Buffer } {
  if (payload.length < 10) throw new Error('spdy: short SYN_STREAM');
  return { streamId: streamIdOf(payload), headerBlock: payload.subarray(10) };
}

/** Name/value block (SPDY/3 §2.6.10): 32-bit count, then 32-bit-length-prefixed names and values. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [u32s(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32s(n.length), n, u32s(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Decodes a name/value block; names are lowercased, multiple values (NUL-separated) joined by ', '. */
export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let at = 0;
  const take = (): Buffer => {
    if (at + 4 > block.length) throw new Error('spdy: truncated header block');
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) throw new Error('spdy: truncated header block');
    const out = block.subarray(at, at + len);
    at += len;
    return out;
  };
  if (block.length < 4) throw new Error('spdy: truncated header block');
  const count = block.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString('utf8').toLowerCase();
    const value = take().toString('utf8').split('\0').join(', ');
    headers[name] = value;
  }
  return headers;
}

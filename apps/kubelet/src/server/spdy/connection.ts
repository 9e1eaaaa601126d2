/**
 * The server end of a SPDY/3.1 connection over an upgraded socket, as the Go client
 * (moby/spdystream, used by kubectl's exec/attach/port-forward) speaks it: the client opens every
 * stream with SYN_STREAM and waits for our SYN_REPLY; data flows as DATA frames with FIN for a
 * half-close. spdystream does no flow control, so WINDOW_UPDATE and SETTINGS are read and ignored
 * and none are sent (it would log an unknown frame type for WINDOW_UPDATE).
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  FLAG_FIN,
  FrameReader,
  GOAWAY,
  PING,
  RST_STREAM,
  SYN_STREAM,
  HEADERS,
  type ControlFrame,
  type Frame,
  decodeHeaderBlock,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  parseSynStream,
  streamIdOf,
  RST_CANCEL,
} from './frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './header-codec.ts';

/** Largest DATA frame we send (spdystream reads any size; keep frames modest). */
const MAX_DATA_FRAME = 32 * 1024;

/** One client-opened stream as a Duplex: readable = the client's DATA, writable = ours. */
export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: Record<string, string>;
  readonly #conn: SpdyConnection;
  #remoteClosed = false;
  #reset = false;

  constructor(conn: SpdyConnection, id: number, headers: Record<string, string>) {
    super({ allowHalfOpen: true });
    this.id = id;
    this.headers = headers;
    this.#conn = conn;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#reset) return cb();
    this.#conn.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.#reset) return cb();
    this.#conn.sendData(this.id, Buffer.alloc(0), true).then(() => cb(), cb);
  }

  /** @internal from the connection */
  receive(data: Buffer, fin: boolean): void {
    if (this.#remoteClosed) return;
    if (data.length > 0) this.push(data);
    if (fin) this.remoteClose();
  }

  /** @internal the client's FIN, RST_STREAM, or the connection going away. */
  remoteClose(): void {
    if (this.#remoteClosed) return;
    this.#remoteClosed = true;
    this.push(null);
  }

  /** @internal RST_STREAM from the client: nothing more is read or written. */
  resetByPeer(): void {
    this.#reset = true;
    this.remoteClose();
    this.emit('reset');
  }

  /** Aborts the stream towards the client (RST_STREAM CANCEL). */
  reset(): void {
    if (this.#reset) return;
    this.#reset = true;
    this.remoteClose();
    void this.#conn.sendRaw(encodeRstStream(this.id, RST_CANCEL));
  }
}

export interface SpdyConnectionEvents {
  stream: [SpdyStream];
  close: [];
}

export class SpdyConnection extends EventEmitter<SpdyConnectionEvents> {
  readonly #socket: Duplex;
  readonly #reader = new FrameReader();
  readonly #compressor = new HeaderCompressor();
  readonly #decompressor = new HeaderDecompressor();
  readonly #streams = new Map<number, SpdyStream>();
  /** Inbound frames are handled strictly in order (header blocks share one zlib stream). */
  #inbound: Promise<void> = Promise.resolve();
  /** Outbound frames too: a SYN_REPLY must leave before that stream's first DATA. */
  #outbound: Promise<void> = Promise.resolve();
  #lastStreamId = 0;
  #closed = false;

  constructor(socket: Duplex, head?: Buffer) {
    super();
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onBytes(chunk));
    socket.on('end', () => this.close());
    socket.on('close', () => this.#teardown());
    socket.on('error', () => this.#teardown());
    if (head && head.length > 0) this.#onBytes(head);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onBytes(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const frame of frames) {
      this.#inbound = this.#inbound.then(() => this.#handle(frame)).catch(() => this.close());
    }
  }

  async #handle(frame: Frame): Promise<void> {
    if (!frame.control) {
      this.#streams.get(frame.streamId)?.receive(frame.data, (frame.flags & FLAG_FIN) !== 0);
      return;
    }
    await this.#handleControl(frame);
  }

  async #handleControl(frame: ControlFrame): Promise<void> {
    switch (frame.type) {
      case SYN_STREAM: {
        const { streamId, headerBlock } = parseSynStream(frame.payload);
        // Always inflate: the zlib context must see every block even for refused streams.
        const headers = decodeHeaderBlock(await this.#decompressor.decompress(headerBlock));
        this.#lastStreamId = Math.max(this.#lastStreamId, streamId);
        const stream = new SpdyStream(this, streamId, headers);
        this.#streams.set(streamId, stream);
        stream.on('close', () => this.#streams.delete(streamId));
        await this.#reply(streamId);
        if ((frame.flags & FLAG_FIN) !== 0) stream.remoteClose();
        this.emit('stream', stream);
        return;
      }
      case HEADERS:
        // Keep the zlib context in step; the headers themselves mean nothing to these protocols.
        await this.#decompressor.decompress(frame.payload.subarray(4));
        return;
      case RST_STREAM:
        this.#streams.get(streamIdOf(frame.payload))?.resetByPeer();
        return;
      case PING:
        await this.sendRaw(encodePing(frame.payload.readUInt32BE(0)));
        return;
      case GOAWAY:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, NOOP: nothing to do without flow control.
        return;
    }
  }

  #reply(streamId: number): Promise<void> {
    return this.#enqueue(async () => encodeSynReply(streamId, 0, await this.#compressor.compress(encodeHeaderBlock({}))));
  }

  #enqueue(build: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.#outbound.then(async () => {
      if (this.#closed) return;
      const frame = await build();
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#socket.write(frame, () => resolve()));
    });
    this.#outbound = next.catch(() => {});
    return next;
  }

  sendRaw(frame: Buffer): Promise<void> {
    return this.#enqueue(() => frame);
  }

  /** DATA frames for `data` (split at MAX_DATA_FRAME), the last one carrying FIN when asked. */
  async sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length === 0) {
      if (fin) await this.sendRaw(encodeData(streamId, FLAG_FIN, data));
      return;
    }
    for (let at = 0; at < data.length; at += MAX_DATA_FRAME) {
      const piece = data.subarray(at, at + MAX_DATA_FRAME);
      const last = at + MAX_DATA_FRAME >= data.length;
      await this.sendRaw(encodeData(streamId, last && fin ? FLAG_FIN : 0, piece));
    }
  }

  /** Sends GOAWAY once everything queued went out, then ends the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.sendRaw(encodeGoAway(this.#lastStreamId)).catch(() => {});
    this.#teardown();
    this.#socket.end();
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.remoteClose();
    this.#compressor.close();
    this.#decompressor.close();
    this.emit('close');
  }
}

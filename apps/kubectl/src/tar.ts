/**
 * The tar streams `kubectl cp` moves through exec: packTar() writes ustar headers for a local file
 * or directory tree as an async stream (so a large file is never held in memory), and TarExtractor
 * parses what a container's `tar cf -` sends, chunk by chunk, as busybox and GNU tar write it
 * (ustar, GNU long names `L`/`K`, pax `x` path overrides).
 */
import { lstatSync, openSync, readSync, closeSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 512;

export interface TarHeader {
  name: string;
  /** '0' file, '2' symlink, '5' directory (others are passed on as read). */
  type: string;
  mode: number;
  size: number;
  linkname: string;
  uid: number;
  gid: number;
  mtime: number;
}

/** One 512-byte header; names over 100 bytes go into ustar's prefix, or a GNU long-name entry first. */
export function encodeHeader(h: TarHeader): Buffer {
  const parts: Buffer[] = [];
  let [prefix, name] = splitName(h.name);
  if (name === undefined) {
    const long = Buffer.from(`${h.name}\0`);
    parts.push(rawHeader({ ...h, name: '././@LongLink', type: 'L', size: long.length, linkname: '' }, ''), long, Buffer.alloc(padding(long.length)));
    [prefix, name] = ['', h.name.slice(0, 100)];
  }
  parts.push(rawHeader({ ...h, name }, prefix));
  return Buffer.concat(parts);
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function rawHeader(h: TarHeader, prefix: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, h.mode & 0o7777, 100, 8);
  octal(b, h.uid, 108, 8);
  octal(b, h.gid, 116, 8);
  octal(b, h.size, 124, 12);
  octal(b, Math.floor(h.mtime), 136, 12);
  b.write(h.type, 156, 1, 'ascii');
  b.write(h.linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'ascii');
  b.write(prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return b;
}

function octal(b: Buffer, value: number, offset: number, length: number): void {
  b.write(
    `${value
      .toString(8)
      .padStart(length - 1, '0')
      .slice(-(length - 1))}\u0000`,
    offset,
    length,
    'ascii',
  );
}

/** [prefix, name] for ustar, or [.., undefined] when the path needs a GNU long name. */
function splitName(path: string): [string, string | undefined] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return [prefix, name];
  }
  return ['', undefined];
}

/**
 * The archive kubectl cp sends for local `src` landing as `destName` (relative: the remote tar
 * extracts it under the destination's directory): files and symlinks as themselves, directories by
 * their contents, an empty directory as its own entry — as upstream's recursiveTar does.
 */
export async function* packTar(src: string, destName: string): AsyncGenerator<Buffer> {
  yield* packEntry(src, destName);
  yield Buffer.alloc(2 * BLOCK);
}

async function* packEntry(path: string, name: string): AsyncGenerator<Buffer> {
  const st = lstatSync(path);
  const base = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000, linkname: '', size: 0 };
  if (st.isDirectory()) {
    const children = readdirSync(path).sort();
    if (children.length === 0) yield encodeHeader({ ...base, name: `${name}/`, type: '5' });
    for (const child of children) yield* packEntry(join(path, child), `${name}/${child}`);
    return;
  }
  if (st.isSymbolicLink()) {
    yield encodeHeader({ ...base, name, type: '2', linkname: readlinkSync(path) });
    return;
  }
  if (!st.isFile()) return;
  yield encodeHeader({ ...base, name, type: '0', size: st.size });
  const fd = openSync(path, 'r');
  try {
    let left = st.size;
    while (left > 0) {
      const chunk = Buffer.alloc(Math.min(left, 64 * 1024));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) throw new Error(`${path}: file shrank while being copied`);
      left -= n;
      yield chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
  if (padding(st.size) > 0) yield Buffer.alloc(padding(st.size));
}

/** Where an entry's body goes: write is called per chunk, end once (also for empty bodies). */
export interface EntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

function field(b: Buffer, offset: number, length: number): string {
  const end = b.indexOf(0, offset);
  return b.toString('utf8', offset, end < 0 || end > offset + length ? offset + length : end);
}

function number(b: Buffer, offset: number, length: number): number {
  // GNU base-256 for values octal cannot hold (files over 8 GiB).
  if (b[offset]! & 0x80) {
    let v = 0;
    for (let i = offset + 1; i < offset + length; i++) v = v * 256 + b[i]!;
    return v;
  }
  const text = field(b, offset, length).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let text = body.toString('utf8');
  while (text.length > 0) {
    const space = text.indexOf(' ');
    const len = Number(text.slice(0, space));
    if (!(len > 0)) break;
    const record = text.slice(space + 1, len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    text = text.slice(len);
  }
  return out;
}

/**
 * A push parser: feed it the archive's bytes in any chunking; onEntry answers the sink for each
 * entry's body (undefined skips it). `ended` turns true at the end-of-archive zero block.
 */
export class TarExtractor {
  ended = false;
  #buf: Buffer = Buffer.alloc(0);
  #body: { header: TarHeader; left: number; pad: number; sink?: EntrySink; meta?: Buffer[] } | undefined;
  #longName: string | undefined;
  #longLink: string | undefined;
  #pax: Record<string, string> = {};
  readonly #onEntry: (header: TarHeader) => EntrySink | undefined;

  constructor(onEntry: (header: TarHeader) => EntrySink | undefined) {
    this.#onEntry = onEntry;
  }

  /** True when the bytes so far stop inside an entry: the stream was cut (Go's tar says "unexpected EOF"). */
  get midEntry(): boolean {
    return !this.ended && (this.#body !== undefined || this.#buf.length > 0);
  }

  write(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    while (!this.ended) {
      if (this.#body) {
        if (!this.#drainBody()) return;
        continue;
      }
      if (this.#buf.length < BLOCK) return;
      const block = this.#buf.subarray(0, BLOCK);
      this.#buf = this.#buf.subarray(BLOCK);
      if (block.every((x) => x === 0)) {
        this.ended = true;
        return;
      }
      this.#startEntry(block);
    }
  }

  #startEntry(block: Buffer): void {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (sum !== number(block, 148, 8)) throw new Error('tar contents corrupted: bad header checksum');
    const prefix = block.toString('ascii', 257, 262) === 'ustar' ? field(block, 345, 155) : '';
    const name = field(block, 0, 100);
    const header: TarHeader = {
      name: this.#longName ?? this.#pax.path ?? (prefix ? `${prefix}/${name}` : name),
      type: String.fromCharCode(block[156] || 0x30),
      mode: number(block, 100, 8),
      uid: number(block, 108, 8),
      gid: number(block, 116, 8),
      size: number(block, 124, 12),
      mtime: number(block, 136, 12),
      linkname: this.#longLink ?? this.#pax.linkpath ?? field(block, 157, 100),
    };
    if (this.#pax.size) header.size = Number(this.#pax.size);
    const meta = ['L', 'K', 'x', 'g'].includes(header.type);
    if (!meta) {
      this.#longName = undefined;
      this.#longLink = undefined;
      this.#pax = {};
    }
    const size = header.type === '5' || header.type === '2' ? 0 : header.size;
    this.#body = { header, left: size, pad: padding(size), sink: meta ? undefined : this.#onEntry(header), meta: meta ? [] : undefined };
  }

  /** Moves body bytes to the sink; true once the entry (and its padding) is complete. */
  #drainBody(): boolean {
    const body = this.#body!;
    if (body.left > 0) {
      const n = Math.min(body.left, this.#buf.length);
      if (n === 0) return false;
      const part = this.#buf.subarray(0, n);
      if (body.meta) body.meta.push(Buffer.from(part));
      else body.sink?.write(part);
      body.left -= n;
      this.#buf = this.#buf.subarray(n);
      if (body.left > 0) return false;
    }
    if (this.#buf.length < body.pad) return false;
    this.#buf = this.#buf.subarray(body.pad);
    this.#body = undefined;
    if (body.meta) {
      const data = Buffer.concat(body.meta);
      if (body.header.type === 'L') this.#longName = field(data, 0, data.length);
      else if (body.header.type === 'K') this.#longLink = field(data, 0, data.length);
      else if (body.header.type === 'x') this.#pax = parsePax(data);
    } else {
      body.sink?.end();
    }
    return true;
  }
}

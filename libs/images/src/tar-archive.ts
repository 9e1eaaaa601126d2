/**
 * A minimal ustar writer for Docker build contexts held in memory. The images Skiff builds itself
 * (pause, busybox) are a handful of files and symlinks, so writing the 512-byte headers directly is
 * simpler and more predictable than streaming a directory through a packing library.
 */

export interface TarEntry {
  /** Path inside the archive, relative (`pause`, `bin/sh`); up to 255 bytes (longer than 100: split into ustar's prefix at a `/`). */
  name: string;
  /** File contents; omit for directories and symlinks. */
  data?: Uint8Array;
  /** Symlink target: makes the entry a symbolic link. */
  linkTarget?: string;
  directory?: boolean;
  /** Permission bits; 0o644 for files, 0o755 for directories by default. */
  mode?: number;
}

const BLOCK = 512;

/** Packs the entries into one tar archive, ending with the two zero blocks tar readers expect. */
export function createTarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data && !entry.linkTarget && !entry.directory ? Buffer.from(entry.data) : Buffer.alloc(0);
    parts.push(createHeader(entry, data.length));
    if (data.length > 0) {
      parts.push(data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function createHeader(entry: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const path = entry.directory && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const [prefix, name] = splitName(path);
  if (entry.linkTarget && Buffer.byteLength(entry.linkTarget) > 100) {
    throw new Error(`tar entry ${name}: link target longer than 100 bytes`);
  }
  const type = entry.linkTarget ? '2' : entry.directory ? '5' : '0';
  const mode = entry.mode ?? (entry.directory ? 0o755 : entry.linkTarget ? 0o777 : 0o644);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, mode, 100, 8);
  writeOctal(header, 0, 108, 8); // uid: root
  writeOctal(header, 0, 116, 8); // gid: root
  writeOctal(header, size, 124, 12);
  // A fixed mtime keeps the archive (and so Docker's build cache key) identical between builds.
  writeOctal(header, 0, 136, 12);
  header.write(type, 156, 1, 'ascii');
  if (entry.linkTarget) header.write(entry.linkTarget, 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 8, 'ascii');
  if (prefix) header.write(prefix, 345, 155, 'utf8');
  // The checksum is computed with its own field read as eight spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return header;
}

/** ustar keeps names over 100 bytes as prefix (≤ 155) + '/' + name (≤ 100), split at a slash. */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return [prefix, name];
  }
  throw new Error(`tar entry ${path}: name too long for ustar (at most 155 + 100 bytes, split at a slash)`);
}

/** Numeric fields are zero-padded octal terminated by NUL, filling `length` bytes. */
function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar header: ${value} does not fit in ${length} bytes`);
  header.write(`${text}\u0000`, offset, length, 'ascii');
}

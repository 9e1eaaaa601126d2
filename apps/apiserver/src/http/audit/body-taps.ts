/**
 * Copies of request and response bodies for audit events at Request and RequestResponse levels:
 * taken as the handler reads and writes them, without changing when or how, and given up past a
 * size limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';

/** JSON (objects, patches) or YAML; anything else (protobuf) is not copied into the event. */
export function decodeBody(buf: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim();
  try {
    if (type.endsWith('yaml')) return parseYaml(buf.toString('utf8'));
    if (type.endsWith('json')) return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  return undefined;
}

/** A copy of a body, given up (undefined) once it passes `limit` bytes. */
class BoundedCopy {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private over = false;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(buf: Buffer): void {
    if (this.over) return;
    this.size += buf.length;
    if (this.size > this.limit) {
      this.over = true;
      this.chunks.length = 0;
    } else {
      this.chunks.push(buf);
    }
  }

  get full(): boolean {
    return this.over;
  }

  contents(): Buffer | undefined {
    return this.over ? undefined : Buffer.concat(this.chunks);
  }
}

/**
 * Keeps a copy of the request body as the handler reads it. Every way of consuming a
 * readable (async iteration, pipe, 'data') goes through read(), so wrapping it sees every
 * chunk without changing when or how the handler reads. Past `limit` the copy is dropped.
 */
export function tapRequest(req: IncomingMessage, limit: number): () => Buffer | undefined {
  const copy = new BoundedCopy(limit);
  const read = req.read;
  req.read = function (this: IncomingMessage, ...args: Parameters<IncomingMessage['read']>) {
    const chunk = read.apply(this, args) as unknown;
    if (chunk && !copy.full) copy.add(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return chunk;
  };
  return () => copy.contents();
}

/** A copy of the response body when `all`, else only of failures (their Status is small). */
export function tapResponse(res: ServerResponse, limit: number, all: boolean): () => Buffer | undefined {
  const copy = new BoundedCopy(limit);
  const keep = (chunk: unknown, encoding: unknown) => {
    if (copy.full || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (!all && res.statusCode < 400) return;
    copy.add(
      Buffer.isBuffer(chunk)
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk)
          : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
    );
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return () => (String(res.getHeader('content-type') ?? '').includes('json') ? copy.contents() : undefined);
}

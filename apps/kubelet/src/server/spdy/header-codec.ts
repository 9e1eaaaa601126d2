/**
 * SPDY/3 header compression: each direction of a connection is ONE zlib stream primed with the
 * SPDY dictionary, and every header block ends at a sync flush. So the codec is stateful and
 * order matters: callers await each call before starting the next (the connection serialises
 * its frames through one promise chain).
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.ts';

function flushThrough(z: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onError = (err: Error) => {
      z.off('data', onData);
      reject(err);
    };
    z.on('data', onData);
    z.once('error', onError);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

export class HeaderCompressor {
  readonly #deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });

  compress(block: Buffer): Promise<Buffer> {
    return flushThrough(this.#deflate, block);
  }

  close(): void {
    this.#deflate.destroy();
  }
}

export class HeaderDecompressor {
  readonly #inflate = createInflate({ dictionary: SPDY3_DICTIONARY });

  decompress(compressed: Buffer): Promise<Buffer> {
    return flushThrough(this.#inflate, compressed);
  }

  close(): void {
    this.#inflate.destroy();
  }
}

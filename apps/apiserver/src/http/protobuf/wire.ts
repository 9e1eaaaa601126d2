/**
 * The protocol-buffers wire format, read only: varints, fixed 32/64-bit words and
 * length-delimited runs. Everything above it (which field is which) lives in
 * kube-schema.ts; this file knows bytes, not Kubernetes.
 */

export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** A malformed message: truncated, an impossible wire type, a varint over ten bytes. */
export class WireError extends Error {}

export class WireReader {
  private readonly buf: Uint8Array;
  private readonly end: number;
  private pos: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a bigint: int64 values reach past 2^53, and negatives use all ten bytes. */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new WireError('varint longer than ten bytes');
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.varint();
    const field = Number(key >> 3n);
    if (field === 0) throw new WireError('field number 0');
    return { field, wireType: Number(key & 7n) };
  }

  /** A length-delimited run, returned as a view (no copy). */
  bytes(): Uint8Array {
    const length = Number(this.varint());
    if (length > this.end - this.pos) throw new WireError('length-delimited field runs past the end of its message');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  fixed(size: 4 | 8): Uint8Array {
    if (size > this.end - this.pos) throw new WireError('truncated fixed-width field');
    const out = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }

  /** Skips one value of the given wire type (groups, long deprecated, are refused). */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.fixed(8);
        return;
      case WireType.bytes:
        this.bytes();
        return;
      case WireType.fixed32:
        this.fixed(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }
}

/** int32/int64 fields: two's complement over 64 bits, as protobuf encodes negatives. */
export function toSignedNumber(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

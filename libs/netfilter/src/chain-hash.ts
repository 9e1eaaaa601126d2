/** Hashed chain-name suffixes: iptables allows 28 characters per chain, so keys are hashed. */
import { createHash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (standard alphabet, no padding). */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The first `length` characters of sha256(text), in upper-case base32 (kube-proxy's style, 5 bits
 * a character) or upper-case hex (4 bits). Each component keeps the encoding its chains already
 * carry: a changed name would orphan the chains a running node has.
 */
export function chainHash(text: string, encoding: 'base32' | 'hex', length = 16): string {
  const digest = createHash('sha256').update(text).digest();
  return (encoding === 'base32' ? encodeBase32(digest) : digest.toString('hex').toUpperCase()).slice(0, length);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chainHash, encodeBase32 } from './chain-hash.ts';

test('encodeBase32 matches the RFC 4648 test vectors (no padding)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [input, want] of vectors) assert.equal(encodeBase32(new TextEncoder().encode(input)), want, input);
});

test('chainHash: sha256 of the text, cut to length, in the encoding asked for', () => {
  const hex = createHash('sha256').update('default/echo').digest('hex').toUpperCase();
  assert.equal(chainHash('default/echo', 'hex'), hex.slice(0, 16));
  assert.equal(chainHash('default/echo', 'hex', 8), hex.slice(0, 8));
  const b32 = chainHash('default/web:httpTCP', 'base32');
  assert.match(b32, /^[A-Z2-7]{16}$/);
  assert.equal(b32, encodeBase32(createHash('sha256').update('default/web:httpTCP').digest()).slice(0, 16));
  assert.notEqual(chainHash('a', 'base32'), chainHash('b', 'base32'));
});

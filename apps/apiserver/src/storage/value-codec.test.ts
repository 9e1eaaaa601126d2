import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeContinueToken, encodeContinueToken } from './continue-token.ts';
import { ENCRYPTION_PREFIX, createValueCodec, serializeObject } from './value-codec.ts';
import { pod, pods, secrets } from './testing/fixtures.ts';
import { ApiError } from '../errors.ts';

const key = Buffer.alloc(32, 3);
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns', resourceVersion: '9' }, data: { token: 'c2VjcmV0' } };

describe('value codec', () => {
  it('drops resourceVersion when storing and sets it from the revision when reading', () => {
    const codec = createValueCodec();
    const value = codec.encode(pods, '/registry/pods/ns/p', { ...pod('p', 'ns'), metadata: { name: 'p', resourceVersion: '5' } });
    assert.ok(!value.toString().includes('resourceVersion'));
    assert.equal(codec.decode('/registry/pods/ns/p', value, '12').metadata.resourceVersion, '12');
    assert.equal(serializeObject({ metadata: { name: 'a', resourceVersion: '1' } }), '{"metadata":{"name":"a"}}');
  });

  it('encrypts encryptAtRest resources with a fresh nonce bound to the key', () => {
    const codec = createValueCodec(key);
    const a = codec.encode(secrets, '/registry/secrets/ns/s', secret);
    const b = codec.encode(secrets, '/registry/secrets/ns/s', secret);
    assert.equal(a.subarray(0, ENCRYPTION_PREFIX.length).toString(), ENCRYPTION_PREFIX);
    assert.ok(!a.includes('c2VjcmV0'));
    assert.ok(!a.equals(b), 'nonces differ');
    assert.deepEqual(codec.decode('/registry/secrets/ns/s', a, 3).data, secret.data);
    assert.throws(() => codec.decode('/registry/secrets/ns/other', a, 3), /cannot decrypt/);
    assert.throws(() => createValueCodec(Buffer.alloc(32, 4)).decode('/registry/secrets/ns/s', a, 3), /cannot decrypt/);
    assert.throws(() => createValueCodec().decode('/registry/secrets/ns/s', a, 3), /no encryption key/);
    const tampered = Buffer.from(a);
    tampered[tampered.length - 20] = tampered[tampered.length - 20]! ^ 1;
    assert.throws(() => codec.decode('/registry/secrets/ns/s', tampered, 3), /cannot decrypt/);
    assert.throws(() => codec.decode('/registry/secrets/ns/s', Buffer.from(`${ENCRYPTION_PREFIX}abc`), 3), /truncated/);
  });

  it('leaves other resources in plain JSON and still reads plain secrets', () => {
    const codec = createValueCodec(key);
    assert.match(codec.encode(pods, '/registry/pods/ns/p', pod('p', 'ns')).toString(), /^\{"apiVersion":"v1"/);
    const plain = Buffer.from(JSON.stringify(secret));
    assert.deepEqual(codec.decode('/registry/secrets/ns/s', plain, 1).data, secret.data);
    assert.throws(() => createValueCodec(Buffer.alloc(16)), /32 bytes/);
  });
});

describe('continue token', () => {
  it('round-trips and rejects what it did not make', () => {
    const token = encodeContinueToken({ revision: 42, start: 'web-3\u0000' });
    assert.deepEqual(decodeContinueToken(token), { revision: 42, start: 'web-3\u0000' });
    for (const bad of [
      '',
      'not-base64!!',
      Buffer.from('{"v":"skiff/1","rv":0,"start":"a"}').toString('base64'),
      Buffer.from('{"v":"skiff/1","rv":3,"start":"/registry/secrets/x"}').toString('base64'),
      Buffer.from('{"v":"skiff/1","rv":3,"start":"../secrets/x"}').toString('base64'),
    ]) {
      assert.throws(
        () => decodeContinueToken(bad),
        (err: unknown) => err instanceof ApiError && err.code === 400,
        bad,
      );
    }
  });
});

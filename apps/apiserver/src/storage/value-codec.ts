/**
 * How objects are laid out in etcd values: JSON without `metadata.resourceVersion` (the
 * mod revision is the version), and for resources stored encrypted at rest (Secrets) the
 * kube-apiserver envelope `k8s:enc:aesgcm:v1:key1:` + 12-byte nonce + AES-256-GCM
 * ciphertext + 16-byte tag. The etcd key is the additional authenticated data, so a value
 * copied under another key does not decrypt (kube-apiserver binds values the same way).
 * Plain JSON stays readable for resources that are encrypted, so turning encryption on
 * later migrates objects on their next write.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject } from './store.ts';

export const ENCRYPTION_PREFIX = 'k8s:enc:aesgcm:v1:key1:';
const prefixBytes = Buffer.from(ENCRYPTION_PREFIX);
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface ValueCodec {
  encode(res: ResourceInfo, key: string, obj: KubeObject): Buffer;
  /** Decodes a stored value and sets metadata.resourceVersion to `revision`. */
  decode(key: string, value: Buffer, revision: number | string): KubeObject;
}

export function createValueCodec(encryptionKey?: Buffer): ValueCodec {
  if (encryptionKey && encryptionKey.length !== 32) {
    throw new Error(`encryption key must be 32 bytes for AES-256-GCM, got ${encryptionKey.length}`);
  }
  return {
    encode(res, key, obj) {
      const plain = Buffer.from(serializeObject(obj));
      if (!res.encryptAtRest || !encryptionKey) return plain;
      return encryptValue(encryptionKey, key, plain);
    },
    decode(key, value, revision) {
      let plain = value;
      if (startsWithPrefix(value)) {
        if (!encryptionKey) throw new Error(`${key} is encrypted at rest but no encryption key is configured`);
        plain = decryptValue(encryptionKey, key, value);
      }
      const obj = JSON.parse(plain.toString('utf8')) as KubeObject;
      obj.metadata ??= {};
      obj.metadata.resourceVersion = String(revision);
      return obj;
    },
  };
}

/** The stored JSON: the object minus metadata.resourceVersion. */
export function serializeObject(obj: KubeObject): string {
  const { resourceVersion: _ignored, ...metadata } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata });
}

function startsWithPrefix(value: Buffer): boolean {
  return value.length >= prefixBytes.length && value.subarray(0, prefixBytes.length).equals(prefixBytes);
}

export function encryptValue(encryptionKey: Buffer, key: string, plain: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, nonce);
  cipher.setAAD(Buffer.from(key));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([prefixBytes, nonce, sealed, cipher.getAuthTag()]);
}

export function decryptValue(encryptionKey: Buffer, key: string, value: Buffer): Buffer {
  const body = value.subarray(prefixBytes.length);
  if (body.length < NONCE_BYTES + TAG_BYTES) throw new Error(`${key}: encrypted value is truncated`);
  const nonce = body.subarray(0, NONCE_BYTES);
  const tag = body.subarray(body.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey, nonce);
  decipher.setAAD(Buffer.from(key));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new Error(`${key}: cannot decrypt value (wrong encryption key?)`, { cause });
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { parseServiceAccountPrivateKey, parseServiceAccountPublicKeys, serviceAccountKeyId, signingAlgorithmOf } from './service-account-keys.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: typeof rsa.privateKey, type: 'pkcs8' | 'spki' | 'pkcs1' | 'sec1'): string => k.export({ type: type as 'pkcs8', format: 'pem' }) as string;

test('the key id is base64url(sha256(SPKI DER)), the same from the private and the public half', () => {
  const want = createHash('sha256')
    .update(rsa.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
  assert.equal(serviceAccountKeyId(rsa.publicKey), want);
  assert.equal(serviceAccountKeyId(rsa.privateKey), want);
  assert.doesNotMatch(want, /[=+/]/);
});

test('a key file may hold several keys, private or public, PKCS#8, PKCS#1 or SEC1', () => {
  const text = [pem(rsa.publicKey, 'spki'), pem(ec.privateKey, 'sec1'), 'junk between blocks', pem(rsa.privateKey, 'pkcs1')].join('\n');
  const keys = parseServiceAccountPublicKeys(text, 'sa.pub');
  assert.equal(keys.length, 3);
  assert.deepEqual(
    keys.map((k) => serviceAccountKeyId(k)),
    [rsa.publicKey, ec.publicKey, rsa.publicKey].map((k) => serviceAccountKeyId(k)),
  );
  assert.deepEqual(
    keys.map((k) => signingAlgorithmOf(k)),
    ['RS256', 'ES256', 'RS256'],
  );
});

test('the signing key is the first private key; files without one are refused with their name', () => {
  const key = parseServiceAccountPrivateKey(pem(rsa.publicKey, 'spki') + pem(ec.privateKey, 'pkcs8'), 'both.pem');
  assert.equal(serviceAccountKeyId(key), serviceAccountKeyId(ec.publicKey));
  assert.throws(() => parseServiceAccountPrivateKey(pem(rsa.publicKey, 'spki'), 'sa.pub'), /sa\.pub: no private key found/);
  assert.throws(() => parseServiceAccountPublicKeys('nothing here', 'empty.pem'), /empty\.pem: no public or private key found/);
});

test('only RSA and the NIST curves sign tokens', () => {
  const ed = generateKeyPairSync('ed25519');
  assert.throws(() => signingAlgorithmOf(ed.publicKey), /unsupported key type ed25519/);
  assert.equal(signingAlgorithmOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), 'ES384');
});

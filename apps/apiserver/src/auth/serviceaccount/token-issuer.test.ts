import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { serviceAccountKeyId } from '@skiff/pki';
import { InvalidTokenError, LEGACY_ISSUER, TokenIssuer, unverifiedIssuer } from './token-issuer.ts';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = new Date('2026-03-01T10:00:00Z');
const sa = { name: 'builder', uid: 'sa-uid' };

function issuer(opts: Partial<ConstructorParameters<typeof TokenIssuer>[0]> = {}): TokenIssuer {
  return new TokenIssuer({ issuer: ISSUER, apiAudiences: [], signingKey: privateKey, verifyKeys: [publicKey], ...opts });
}

test('a bound token carries upstream claims and verifies back to them', async () => {
  const iss = issuer();
  const { token, expirationTimestamp } = await iss.issue(
    { namespace: 'team', serviceAccount: sa, pod: { name: 'web', uid: 'pod-uid' }, audiences: ['api', 'vault'], expirationSeconds: 600 },
    now,
  );
  assert.equal(expirationTimestamp.toISOString(), '2026-03-01T10:10:00.000Z');
  const header = decodeProtectedHeader(token);
  assert.deepEqual(header, { alg: 'RS256', kid: serviceAccountKeyId(publicKey) });
  const claims = decodeJwt(token);
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.sub, 'system:serviceaccount:team:builder');
  assert.deepEqual(claims.aud, ['api', 'vault']);
  assert.equal(claims.exp, claims.iat! + 600);
  assert.equal(claims.nbf, claims.iat);
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'team', pod: { name: 'web', uid: 'pod-uid' }, serviceaccount: sa });
  const verified = await iss.verify(token, new Date(now.getTime() + 599_000));
  assert.deepEqual(verified, {
    legacy: false,
    audiences: ['api', 'vault'],
    jti: claims.jti,
    namespace: 'team',
    serviceAccount: sa,
    pod: { name: 'web', uid: 'pod-uid' },
  });
  assert.deepEqual(iss.apiAudiences, [ISSUER], 'no --api-audiences: the issuer');
});

test('expired, forged and foreign tokens are refused', async () => {
  const iss = issuer();
  const { token } = await iss.issue({ namespace: 'team', serviceAccount: sa, audiences: ['api'], expirationSeconds: 600 }, now);
  await assert.rejects(iss.verify(token, new Date(now.getTime() + 601_000)), (err) => err instanceof InvalidTokenError && /expired/.test(err.message));
  await assert.rejects(iss.verify(token, new Date(now.getTime() - 60_000)), InvalidTokenError, 'not yet valid');
  const forged = await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'RS256', kid: serviceAccountKeyId(publicKey) }).sign(other.privateKey);
  await assert.rejects(iss.verify(forged, now), /signature/);
  const [h, , s] = token.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${s}`;
  await assert.rejects(iss.verify(tampered, now), /signature/);
  const foreign = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://elsewhere').sign(privateKey);
  await assert.rejects(iss.verify(foreign, now), /not from this issuer/);
});

test('a token signed by a key the issuer only verifies with (several keys, key rotation) holds', async () => {
  const old = new TokenIssuer({ issuer: ISSUER, apiAudiences: ['api'], signingKey: other.privateKey, verifyKeys: [] });
  const { token } = await old.issue({ namespace: 'team', serviceAccount: sa, audiences: ['api'], expirationSeconds: 600 }, now);
  assert.equal((await issuer({ verifyKeys: [publicKey, other.publicKey] }).verify(token, now)).namespace, 'team');
  await assert.rejects(issuer().verify(token, now), /signature/);
});

test('legacy tokens: issuer kubernetes/serviceaccount, flat claims, no expiry', async () => {
  const iss = issuer();
  const token = await iss.signLegacy('team', sa, 'builder-token');
  assert.equal(unverifiedIssuer(token), LEGACY_ISSUER);
  assert.equal(decodeJwt(token).exp, undefined);
  assert.deepEqual(await iss.verify(token, new Date('2099-01-01T00:00:00Z')), {
    legacy: true,
    namespace: 'team',
    serviceAccount: sa,
    secretName: 'builder-token',
  });
});

test('the JWKS verifies what the issuer signs', async () => {
  const iss = issuer({ verifyKeys: [publicKey, other.publicKey] });
  const jwks = await iss.jwks();
  assert.equal(jwks.keys.length, 2);
  assert.deepEqual({ ...jwks.keys[0], n: undefined }, { use: 'sig', kty: 'RSA', kid: serviceAccountKeyId(publicKey), alg: 'RS256', e: 'AQAB', n: undefined });
  const { token } = await iss.issue({ namespace: 'team', serviceAccount: sa, audiences: ['api'], expirationSeconds: 600 }, new Date());
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'api' });
  assert.equal(payload.sub, 'system:serviceaccount:team:builder');
});

test('only three-part base64url tokens count as JWTs', () => {
  assert.equal(unverifiedIssuer('abcdef.0123456789abcdef'), undefined, 'a bootstrap token');
  assert.equal(unverifiedIssuer('not a jwt'), undefined);
  assert.equal(unverifiedIssuer('a.b.c'), undefined);
});

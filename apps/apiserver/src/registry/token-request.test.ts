/** TokenRequest through the registry, on a real etcd member (ports 28310-28312). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { TokenIssuer } from '../auth/serviceaccount/token-issuer.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const serviceaccounts = resource('', 'serviceaccounts');
const pods = resource('', 'pods');
const secrets = resource('', 'secrets');
const now = new Date('2026-05-01T12:00:00Z');

before(async () => {
  fx = await startRegistryFixture(28310);
  await fx.registry.bootstrap();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  fx.registry.context.serviceAccountTokens = new TokenIssuer({ issuer: 'https://issuer', apiAudiences: ['api'], signingKey: privateKey, verifyKeys: [] });
  fx.registry.context.now = () => now;
  for (const name of ['builder', 'default']) await fx.registry.create(serviceaccounts, 'default', { metadata: { name } }, admin);
});
after(async () => {
  await fx?.close();
});

const request = (spec: Record<string, unknown> = {}) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
const tokenFor = (name: string, body: unknown) => fx.registry.createSubresource(serviceaccounts, 'default', name, 'token', body, admin);

test('defaults: the api audiences and an hour; the answer carries the token and its expiry', async () => {
  const sa = await fx.registry.get(serviceaccounts, 'default', 'builder');
  const { object, created } = await tokenFor('builder', request());
  assert.equal(created, true);
  const out = object as unknown as { metadata: Record<string, unknown>; spec: Record<string, unknown>; status: { token: string; expirationTimestamp: string } };
  assert.deepEqual(out.metadata, { name: 'builder', namespace: 'default', creationTimestamp: '2026-05-01T12:00:00Z' });
  assert.deepEqual(out.spec, { audiences: ['api'], expirationSeconds: 3600 });
  assert.equal(out.status.expirationTimestamp, '2026-05-01T13:00:00Z');
  const claims = decodeJwt(out.status.token);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'builder', uid: sa.metadata.uid } });
  assert.equal(claims.exp, Date.parse('2026-05-01T13:00:00Z') / 1000);
});

test('expirationSeconds outside [10 min, 2^32 s] is refused as upstream words it', async () => {
  const short = await apiErrorOf(tokenFor('builder', request({ expirationSeconds: 60 })));
  assert.equal(short.code, 422);
  assert.equal(
    short.message,
    'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
  );
  const long = await apiErrorOf(tokenFor('builder', request({ expirationSeconds: 2 ** 32 + 1 })));
  assert.match(long.message, /may not specify a duration larger than 2\^32 seconds/);
});

test('a pod-bound token names the pod; the pod must run as the account and match the uid given', async () => {
  const pod = (
    await fx.registry.create(
      pods,
      'default',
      { metadata: { name: 'web' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'i' }] } },
      admin,
    )
  ).object;
  const { object } = await tokenFor('builder', request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid } }));
  const claims = decodeJwt((object as unknown as { status: { token: string } }).status.token);
  assert.deepEqual((claims['kubernetes.io'] as { pod: unknown }).pod, { name: 'web', uid: pod.metadata.uid });

  const stale = await apiErrorOf(tokenFor('builder', request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'old' } })));
  assert.equal(stale.code, 409);
  assert.match(stale.message, /the UID in the bound object reference \(old\) does not match the UID in record/);
  const other = await apiErrorOf(tokenFor('default', request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } })));
  assert.equal(other.message, 'cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.');
  const missing = await apiErrorOf(tokenFor('builder', request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } })));
  assert.equal(missing.message, 'pods "nope" not found');
});

test('a Secret-bound token; other kinds are refused', async () => {
  const secret = (await fx.registry.create(secrets, 'default', { metadata: { name: 'anchor' } }, admin)).object;
  const { object } = await tokenFor('builder', request({ boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'anchor' } }));
  const claims = decodeJwt((object as unknown as { status: { token: string } }).status.token);
  assert.deepEqual((claims['kubernetes.io'] as { secret: unknown }).secret, { name: 'anchor', uid: secret.metadata.uid });
  const wrong = await apiErrorOf(tokenFor('builder', request({ boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' } })));
  assert.equal(wrong.code, 400);
  assert.equal(wrong.message, 'cannot bind token to object of type apps/v1, Kind=Deployment');
});

test('an unknown account is 404; without a signing key TokenRequest is not served', async () => {
  assert.equal((await apiErrorOf(tokenFor('ghost', request()))).message, 'serviceaccounts "ghost" not found');
  const issuer = fx.registry.context.serviceAccountTokens;
  delete fx.registry.context.serviceAccountTokens;
  try {
    assert.equal((await apiErrorOf(tokenFor('builder', request()))).code, 404);
  } finally {
    fx.registry.context.serviceAccountTokens = issuer;
  }
});

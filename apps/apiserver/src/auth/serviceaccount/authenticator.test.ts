import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KubeObject } from '../../storage/store.ts';
import { ServiceAccountTokenAuthenticator, type ServiceAccountObjects } from './authenticator.ts';
import { TokenIssuer } from './token-issuer.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const issuer = new TokenIssuer({ issuer: 'https://issuer', apiAudiences: ['api'], signingKey: privateKey, verifyKeys: [] });
const now = new Date();

function obj(name: string, uid: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name, namespace: 'team', uid }, ...extra } as KubeObject;
}

function fixture(objects: { serviceAccounts?: KubeObject[]; pods?: KubeObject[]; secrets?: KubeObject[] }) {
  const find = (list: KubeObject[] | undefined) => async (_ns: string, name: string) => list?.find((o) => o.metadata.name === name);
  const lookup: ServiceAccountObjects = { serviceAccount: find(objects.serviceAccounts), pod: find(objects.pods), secret: find(objects.secrets) };
  return new ServiceAccountTokenAuthenticator(issuer, lookup);
}

const sa = obj('builder', 'sa-uid');
const pod = obj('web', 'pod-uid');
const bound = (audiences = ['api']) =>
  issuer.issue(
    { namespace: 'team', serviceAccount: { name: 'builder', uid: 'sa-uid' }, pod: { name: 'web', uid: 'pod-uid' }, audiences, expirationSeconds: 3600 },
    now,
  );

test('a pod-bound token is the service account, with the pod in extra', async () => {
  const { token } = await bound(['api', 'other']);
  const { user, audiences } = await fixture({ serviceAccounts: [sa], pods: [pod] }).authenticate(token, ['api'], now);
  assert.deepEqual(audiences, ['api']);
  assert.equal(user.username, 'system:serviceaccount:team:builder');
  assert.equal(user.uid, 'sa-uid');
  assert.deepEqual(user.groups, ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated']);
  assert.deepEqual(user.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
  assert.deepEqual(user.extra?.['authentication.kubernetes.io/pod-uid'], ['pod-uid']);
  assert.match(user.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=/);
});

const refusals: { name: string; objects: Parameters<typeof fixture>[0]; audiences?: string[]; want: RegExp }[] = [
  { name: 'the pod is gone', objects: { serviceAccounts: [sa] }, want: /pod "web" no longer exists/ },
  { name: 'the pod was recreated under the same name', objects: { serviceAccounts: [sa], pods: [obj('web', 'other-uid')] }, want: /pod "web" uid/ },
  {
    name: 'the pod was deleted over a minute ago',
    objects: {
      serviceAccounts: [sa],
      pods: [obj('web', 'pod-uid', { metadata: { name: 'web', uid: 'pod-uid', deletionTimestamp: new Date(now.getTime() - 61_000).toISOString() } })],
    },
    want: /was deleted/,
  },
  { name: 'the service account is gone', objects: { pods: [pod] }, want: /service account "builder" no longer exists/ },
  { name: 'the service account was recreated', objects: { serviceAccounts: [obj('builder', 'new-uid')], pods: [pod] }, want: /service account "builder" uid/ },
  { name: 'the audience is not accepted', objects: { serviceAccounts: [sa], pods: [pod] }, audiences: ['vault'], want: /audiences are invalid/ },
];

for (const c of refusals) {
  test(`a bound token is refused when ${c.name}`, async () => {
    const { token } = await bound();
    await assert.rejects(fixture(c.objects).authenticate(token, c.audiences ?? ['api'], now), c.want);
  });
}

test('a pod deleted a moment ago (graceful termination) still backs its token', async () => {
  const { token } = await bound();
  const terminating = obj('web', 'pod-uid', { metadata: { name: 'web', uid: 'pod-uid', deletionTimestamp: now.toISOString() } });
  assert.equal((await fixture({ serviceAccounts: [sa], pods: [terminating] }).authenticate(token, ['api'], now)).user.uid, 'sa-uid');
});

test('a legacy token holds while its Secret holds exactly it', async () => {
  const token = await issuer.signLegacy('team', { name: 'builder', uid: 'sa-uid' }, 'builder-token');
  const secret = (data: string) => obj('builder-token', 's-uid', { data: { token: Buffer.from(data).toString('base64') } } as Partial<KubeObject>);
  const ok = await fixture({ serviceAccounts: [sa], secrets: [secret(token)] }).authenticate(token, ['api'], now);
  assert.equal(ok.user.username, 'system:serviceaccount:team:builder');
  assert.deepEqual(ok.audiences, ['api']);
  assert.equal(ok.user.extra, undefined);
  await assert.rejects(fixture({ serviceAccounts: [sa], secrets: [secret('another')] }).authenticate(token, ['api'], now), /server's copy/);
  await assert.rejects(fixture({ serviceAccounts: [sa] }).authenticate(token, ['api'], now), /secret "builder-token" no longer exists/);
  await assert.rejects(fixture({ secrets: [secret(token)] }).authenticate(token, ['api'], now), /service account "builder" no longer exists/);
  await assert.rejects(fixture({ serviceAccounts: [sa], secrets: [secret(token)] }).authenticate(token, ['vault'], now), /audiences are invalid/);
});

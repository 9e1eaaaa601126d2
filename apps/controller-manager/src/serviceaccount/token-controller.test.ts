import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { ResourceInfo, Secret, ServiceAccount } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { serviceAccountKeyId } from '@skiff/pki';
import { cacheOf, RecordingClient } from '../endpoints/recording-client.ts';
import { legacyTokenSigner, ServiceAccountTokenController } from './token-controller.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const sign = legacyTokenSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'sa.key');
const CA = 'CA PEM';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** RecordingClient plus live GETs of service accounts from a fixed list. */
class Client extends RecordingClient {
  readonly live: ServiceAccount[];

  constructor(live: ServiceAccount[]) {
    super();
    this.live = live;
  }

  async get<T>(res: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    const found = this.live.find((sa) => sa.metadata?.namespace === namespace && sa.metadata?.name === name);
    if (!found)
      throw new ApiStatusError(
        { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound', message: 'not found' },
        `GET ${res.resource}`,
      );
    return found as T;
  }
}

const account = (uid = 'sa-uid'): ServiceAccount => ({ metadata: { name: 'builder', namespace: 'team', uid, resourceVersion: '3' } });
function tokenSecret(extra: Partial<Secret> = {}, annotations: Record<string, string> = {}): Secret {
  return {
    type: 'kubernetes.io/service-account-token',
    metadata: {
      name: 'builder-token',
      namespace: 'team',
      uid: 's-uid',
      resourceVersion: '5',
      annotations: { 'kubernetes.io/service-account.name': 'builder', ...annotations },
    },
    ...extra,
  };
}

function fixture(secrets: Secret[], cached: ServiceAccount[], live: ServiceAccount[] = cached) {
  const client = new Client(live);
  const controller = new ServiceAccountTokenController({ client, secrets: cacheOf(secrets), serviceAccounts: cacheOf(cached), sign, rootCa: CA });
  return { client, controller };
}

test('a new token Secret gets a legacy token, the CA, the namespace and the account uid', async () => {
  const { client, controller } = fixture([tokenSecret()], [account()]);
  await controller.sync('team/builder-token');
  assert.deepEqual(
    client.actions.map((a) => `${a.verb} ${a.namespace}/${a.name}`),
    ['update team/builder-token'],
  );
  const out = client.actions[0]!.object as Secret;
  assert.equal(out.metadata?.annotations?.['kubernetes.io/service-account.uid'], 'sa-uid');
  assert.equal(out.data?.['ca.crt'], b64(CA));
  assert.equal(out.data?.namespace, b64('team'));
  const token = Buffer.from(out.data!.token!, 'base64').toString();
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', kid: serviceAccountKeyId(publicKey) });
  await jwtVerify(token, publicKey);
  assert.deepEqual(decodeJwt(token), {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': 'team',
    'kubernetes.io/serviceaccount/secret.name': 'builder-token',
    'kubernetes.io/serviceaccount/service-account.name': 'builder',
    'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid',
    sub: 'system:serviceaccount:team:builder',
  });
});

test('a filled Secret is left alone; a changed CA is refreshed without a new token', async () => {
  const filled = tokenSecret({ data: { token: b64('t'), 'ca.crt': b64(CA), namespace: b64('team') } }, { 'kubernetes.io/service-account.uid': 'sa-uid' });
  const same = fixture([filled], [account()]);
  await same.controller.sync('team/builder-token');
  assert.deepEqual(same.client.actions, []);
  const stale = fixture([{ ...filled, data: { ...filled.data, 'ca.crt': b64('old CA') } }], [account()]);
  await stale.controller.sync('team/builder-token');
  assert.equal((stale.client.actions[0]!.object as Secret).data?.token, b64('t'));
});

test('the account is looked up live before deciding it is gone', async () => {
  const { client, controller } = fixture([tokenSecret()], [], [account()]);
  await controller.sync('team/builder-token');
  assert.deepEqual(
    client.actions.map((a) => a.verb),
    ['update'],
  );
});

test('a Secret whose account is gone or was recreated is deleted (uid precondition)', async () => {
  const gone = fixture([tokenSecret()], []);
  await gone.controller.sync('team/builder-token');
  assert.deepEqual(gone.client.actions, [
    { verb: 'delete', resource: 'secrets', namespace: 'team', name: 'builder-token', options: { preconditions: { uid: 's-uid' } } },
  ]);
  const recreated = fixture([tokenSecret({}, { 'kubernetes.io/service-account.uid': 'old-uid' })], [account('new-uid')]);
  await recreated.controller.sync('team/builder-token');
  assert.deepEqual(
    recreated.client.actions.map((a) => a.verb),
    ['delete'],
  );
});

test('other Secrets are not touched', async () => {
  const opaque = { ...tokenSecret(), type: 'Opaque' };
  const { client, controller } = fixture([opaque], [account()]);
  await controller.sync('team/builder-token');
  await controller.sync('team/missing');
  assert.deepEqual(client.actions, []);
});

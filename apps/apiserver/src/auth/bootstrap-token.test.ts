import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createLogger } from '@skiff/log';
import type { KubeObject } from '../storage/store.ts';
import { READS_PER_SECOND, userForBootstrapSecret, withBootstrapTokens } from './bootstrap-token.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const b64 = (s: string) => Buffer.from(s).toString('base64');

function tokenSecret(overrides: Record<string, string | undefined> = {}, type = 'bootstrap.kubernetes.io/token'): KubeObject {
  const fields: Record<string, string | undefined> = {
    'token-id': 'abcdef',
    'token-secret': '0123456789abcdef',
    'usage-bootstrap-authentication': 'true',
    expiration: '2026-01-02T00:00:00Z',
    'auth-extra-groups': 'system:bootstrappers:skiff:default-node-token,system:masters',
    ...overrides,
  };
  const data = Object.fromEntries(
    Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, b64(v!)]),
  );
  return { apiVersion: 'v1', kind: 'Secret', type, metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' }, data };
}

test('bootstrap token: a valid token names system:bootstrap:<id>; extra groups only under system:bootstrappers', () => {
  const { user } = userForBootstrapSecret(tokenSecret(), 'abcdef', '0123456789abcdef', NOW);
  assert.deepEqual(user, {
    username: 'system:bootstrap:abcdef',
    groups: ['system:bootstrappers', 'system:bootstrappers:skiff:default-node-token', 'system:authenticated'],
  });
});

test('bootstrap token: wrong secret, expired, not for authentication, wrong type, missing → no user', () => {
  const cases: [KubeObject | undefined, string][] = [
    [tokenSecret(), 'ffffffffffffffff'],
    [tokenSecret({ expiration: '2025-12-31T23:59:59Z' }), '0123456789abcdef'],
    [tokenSecret({ 'usage-bootstrap-authentication': undefined }), '0123456789abcdef'],
    [tokenSecret({}, 'Opaque'), '0123456789abcdef'],
    [undefined, '0123456789abcdef'],
  ];
  for (const [secret, given] of cases) assert.equal(userForBootstrapSecret(secret, 'abcdef', given, NOW).user, undefined);
  assert.ok(userForBootstrapSecret(tokenSecret({ expiration: undefined }), 'abcdef', '0123456789abcdef', NOW).user, 'no expiration: valid');
});

function req(headers: Record<string, string>, url = '/api/v1/nodes', method = 'GET'): IncomingMessage {
  return { headers, url, method } as unknown as IncomingMessage;
}

test('bootstrap token authenticator: answers from the watched Secrets; cluster-info alone is anonymous', async () => {
  const reads: string[] = [];
  const secrets = {
    async cached(name: string) {
      return name === 'bootstrap-token-abcdef' ? tokenSecret() : undefined;
    },
    async read(name: string) {
      reads.push(name);
      return undefined;
    },
  };
  const auth = withBootstrapTokens(
    () => undefined,
    secrets,
    createLogger('test', 'silent'),
    () => NOW,
  );
  assert.equal((await auth(req({ authorization: 'Bearer abcdef.0123456789abcdef' })))?.username, 'system:bootstrap:abcdef');
  assert.equal(await auth(req({ authorization: 'Bearer abcdef.ffffffffffffffff' })), undefined);
  assert.equal(await auth(req({ authorization: 'Bearer zzzzzz.0123456789abcdef' })), undefined);
  assert.equal(await auth(req({ authorization: 'Bearer not-a-bootstrap-token' })), undefined);
  assert.deepEqual(reads, ['bootstrap-token-zzzzzz'], 'storage is read only for a name the cache does not hold');
  assert.equal((await auth(req({}, '/api/v1/namespaces/kube-public/configmaps/cluster-info')))?.username, 'system:anonymous');
  assert.equal(await auth(req({}, '/api/v1/namespaces/kube-public/configmaps/cluster-info', 'PUT')), undefined);
  assert.equal(await auth(req({}, '/api/v1/namespaces/kube-public/configmaps')), undefined);
  const known = withBootstrapTokens(() => ({ username: 'admin', groups: [] }), secrets, createLogger('test', 'silent'));
  assert.equal((await known(req({})))?.username, 'admin', 'the static authenticator wins');
});

test('bootstrap token authenticator: a token created a moment ago is read from storage; a flood of unknown tokens is not', async () => {
  let clock = NOW.getTime();
  let reads = 0;
  const secrets = {
    async cached() {
      return undefined;
    },
    async read(name: string) {
      reads++;
      return name === 'bootstrap-token-abcdef' ? tokenSecret() : undefined;
    },
  };
  const auth = withBootstrapTokens(
    () => undefined,
    secrets,
    createLogger('test', 'silent'),
    () => new Date(clock),
  );
  assert.equal((await auth(req({ authorization: 'Bearer abcdef.0123456789abcdef' })))?.username, 'system:bootstrap:abcdef');
  for (let i = 0; i < 1000; i++) {
    const id = i.toString(36).padStart(6, '0');
    assert.equal(await auth(req({ authorization: `Bearer ${id}.0123456789abcdef` })), undefined);
  }
  assert.equal(reads, READS_PER_SECOND, "a second's budget of storage reads, then none");
  clock += 1000;
  await auth(req({ authorization: 'Bearer qqqqqq.0123456789abcdef' }));
  assert.equal(reads, READS_PER_SECOND + 1, 'the budget refills with time');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError } from '../errors.ts';
import type { Authorizer } from './authz.ts';
import { impersonate } from './impersonation.ts';
import type { RequestInfo } from './request-info.ts';

const bob = { username: 'bob', groups: ['system:authenticated'] };

/** Allows what `allowed` lists as `resource/subresource:namespace/name`, and records every question. */
function recording(allowed: string[]) {
  const asked: string[] = [];
  const authorize: Authorizer = (_user, info: RequestInfo) => {
    const key = `${info.group ? `${info.group}/` : ''}${info.resource}${info.subresource ? `/${info.subresource}` : ''}:${info.namespace ?? ''}/${info.name}`;
    asked.push(`${info.verb} ${key}`);
    return allowed.includes(key) ? { allowed: true, reason: '' } : { allowed: false, noOpinion: true, reason: '' };
  };
  return { asked, authorize };
}

test('no impersonation headers: the requestor, no questions asked', async () => {
  const { asked, authorize } = recording([]);
  assert.equal(await impersonate({ accept: 'application/json' }, bob, authorize), bob);
  assert.deepEqual(asked, []);
});

test('a user with groups, extras and a uid: each part is asked for, then the request is theirs', async () => {
  const { asked, authorize } = recording(['users:/alice', 'groups:/dev', 'authentication.k8s.io/userextras/scopes:/view', 'authentication.k8s.io/uids:/42']);
  const user = await impersonate(
    { 'impersonate-user': 'alice', 'impersonate-group': ['dev'], 'impersonate-extra-scopes': 'view', 'impersonate-uid': '42' },
    bob,
    authorize,
  );
  assert.deepEqual(user, { username: 'alice', groups: ['dev', 'system:authenticated'], uid: '42', extra: { scopes: ['view'] } });
  assert.deepEqual(asked, [
    'impersonate users:/alice',
    'impersonate groups:/dev',
    'impersonate authentication.k8s.io/userextras/scopes:/view',
    'impersonate authentication.k8s.io/uids:/42',
  ]);
});

test('a service account is asked for as one, and gets its groups', async () => {
  const { asked, authorize } = recording(['serviceaccounts:team/reader']);
  const user = await impersonate({ 'impersonate-user': 'system:serviceaccount:team:reader' }, bob, authorize);
  assert.deepEqual(user, {
    username: 'system:serviceaccount:team:reader',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
  });
  assert.deepEqual(asked, ['impersonate serviceaccounts:team/reader']);
});

test("a refused part is a 403 in upstream's words; groups without a user a 400", async () => {
  const { authorize } = recording(['users:/alice']);
  await assert.rejects(
    impersonate({ 'impersonate-user': 'alice', 'impersonate-group': 'system:masters' }, bob, authorize),
    (err: ApiError) =>
      err.code === 403 &&
      err.message === 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
  );
  await assert.rejects(impersonate({ 'impersonate-group': 'dev' }, bob, authorize), (err: ApiError) => err.code === 400);
});

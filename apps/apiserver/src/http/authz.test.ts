import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenError, unionAuthorizers, type Authorizer } from './authz.ts';
import { parseRequestInfo } from './request-info.ts';

const alice = { username: 'alice', groups: ['system:authenticated'] };
const noOpinion =
  (reason: string): Authorizer =>
  () => ({ allowed: false, noOpinion: true, reason });

test('the union takes the first decision that is not "no opinion"', async () => {
  const info = parseRequestInfo('GET', '/api/v1/pods');
  const allow: Authorizer = () => ({ allowed: true, reason: 'yes' });
  const deny: Authorizer = () => ({ allowed: false, reason: 'no' });
  assert.deepEqual(await unionAuthorizers(noOpinion(''), allow, deny)(alice, info), { allowed: true, reason: 'yes' });
  assert.deepEqual(await unionAuthorizers(noOpinion(''), deny, allow)(alice, info), { allowed: false, reason: 'no' });
  assert.deepEqual(await unionAuthorizers(noOpinion('a'), noOpinion(''), noOpinion('b'))(alice, info), { allowed: false, noOpinion: true, reason: 'a, b' });
});

test("forbidden messages read as upstream's", () => {
  const cases: [string, string, string, string][] = [
    ['GET', '/api/v1/namespaces/b/pods', '', 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "b"'],
    ['GET', '/api/v1/namespaces/b/secrets/s', '', 'secrets "s" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "b"'],
    ['GET', '/api/v1/nodes', '', 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope'],
    [
      'GET',
      '/apis/apps/v1/namespaces/b/deployments/d/scale',
      '',
      'deployments.apps "d" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "b"',
    ],
    ['GET', '/metrics', '', 'forbidden: User "alice" cannot get path "/metrics"'],
    [
      'GET',
      '/api/v1/nodes',
      'no relationship found',
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope: no relationship found',
    ],
  ];
  for (const [method, url, reason, message] of cases) {
    const err = forbiddenError(alice, parseRequestInfo(method, url), reason);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, message);
  }
  assert.deepEqual(forbiddenError(alice, parseRequestInfo('GET', '/apis/apps/v1/namespaces/b/deployments/d'), '').details, {
    name: 'd',
    group: 'apps',
    kind: 'deployments',
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../request-info.ts';
import { DEFAULT_AUDIT_POLICY, evaluatePolicy, parseAuditPolicy, type AuditPolicy } from './policy.ts';

const alice = { username: 'alice', groups: ['devs', 'system:authenticated'] };
const node = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

const policy = parseAuditPolicy({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', users: ['quiet'] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
    { level: 'Request', resources: [{ group: '', resources: ['pods/log'] }] },
    { level: 'RequestResponse', resources: [{ group: 'apps', resources: ['deployments'], resourceNames: ['web'] }], omitStages: ['ResponseStarted'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['*/status'] }], namespaces: ['prod'] },
    { level: 'Request', userGroups: ['devs'], verbs: ['create'] },
    { level: 'RequestResponse', resources: [{ group: '' }] },
    { level: 'Metadata', omitManagedFields: true },
  ],
});

describe('audit policy', () => {
  const cases: [string, { username: string; groups: string[] }, string, string, string][] = [
    ['a user given None', { username: 'quiet', groups: [] }, 'GET', '/api/v1/pods', 'None'],
    ['a non-resource URL with * suffix', alice, 'GET', '/healthz/etcd', 'None'],
    ['an exact non-resource URL', alice, 'GET', '/version', 'None'],
    ['a non-resource URL no rule names falls to the catch-all', alice, 'GET', '/metrics', 'Metadata'],
    ['a subresource named resource/subresource', alice, 'GET', '/api/v1/namespaces/a/pods/p/log', 'Request'],
    ['the parent resource does not match resource/subresource', alice, 'GET', '/api/v1/namespaces/a/pods/p', 'RequestResponse'],
    ['resourceNames: the named object', alice, 'GET', '/apis/apps/v1/namespaces/a/deployments/web', 'RequestResponse'],
    ['resourceNames: another object', alice, 'GET', '/apis/apps/v1/namespaces/a/deployments/db', 'Metadata'],
    ['*/status in a listed namespace', alice, 'PUT', '/api/v1/namespaces/prod/pods/p/status', 'Metadata'],
    ['*/status elsewhere', alice, 'PUT', '/api/v1/namespaces/dev/pods/p/status', 'RequestResponse'],
    ['userGroups and verbs', alice, 'POST', '/apis/apps/v1/namespaces/a/replicasets', 'Request'],
    ['Secrets are capped at Metadata whatever the rule', alice, 'GET', '/api/v1/namespaces/a/secrets/s', 'Metadata'],
    ['bound tokens are capped at Metadata', alice, 'POST', '/api/v1/namespaces/a/serviceaccounts/default/token', 'Metadata'],
    ['token reviews are capped at Metadata', { username: 'x', groups: ['devs'] }, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', 'Metadata'],
  ];
  for (const [name, user, method, url, level] of cases) {
    it(name, () => {
      assert.equal(evaluatePolicy(policy, user, parseRequestInfo(method, url)).level, level);
    });
  }

  it('omitStages of the policy and of the rule add up; omitManagedFields comes from the rule', () => {
    const d = evaluatePolicy(policy, alice, parseRequestInfo('GET', '/apis/apps/v1/namespaces/a/deployments/web'));
    assert.deepEqual([...d.omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
    assert.equal(d.omitManagedFields, false);
    assert.equal(evaluatePolicy(policy, alice, parseRequestInfo('GET', '/apis/batch/v1/jobs')).omitManagedFields, true);
  });

  it('the default policy: nothing for probes and lease heartbeats, Metadata for credentials and reads, the body of writes', () => {
    const level = (user: typeof alice, method: string, url: string) => evaluatePolicy(DEFAULT_AUDIT_POLICY, user, parseRequestInfo(method, url)).level;
    assert.equal(level(alice, 'GET', '/readyz'), 'None');
    assert.equal(level(node, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1'), 'None');
    assert.equal(level(alice, 'GET', '/api/v1/namespaces/a/events?watch=1'), 'None');
    assert.equal(level(alice, 'POST', '/api/v1/namespaces/a/configmaps'), 'Metadata');
    assert.equal(level(alice, 'POST', '/api/v1/namespaces/a/secrets'), 'Metadata');
    assert.equal(level(node, 'PATCH', '/api/v1/nodes/n1/status'), 'Request');
    assert.equal(level(alice, 'POST', '/apis/apps/v1/namespaces/a/deployments'), 'RequestResponse');
    assert.equal(level(alice, 'DELETE', '/api/v1/namespaces/a/pods/p'), 'RequestResponse');
    assert.equal(level(alice, 'GET', '/api/v1/namespaces/a/pods'), 'Metadata');
    assert.deepEqual([...evaluatePolicy(DEFAULT_AUDIT_POLICY, alice, parseRequestInfo('GET', '/api/v1/pods')).omitStages], ['RequestReceived']);
  });

  it('refuses a policy that does not make sense, saying where', () => {
    const bad: [unknown, RegExp][] = [
      [{ apiVersion: 'audit.k8s.io/v1beta1', kind: 'Policy', rules: [{ level: 'None' }] }, /want kind Policy, apiVersion audit.k8s.io\/v1/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [] }, /at least one rule/],
      [
        { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Everything' }] },
        /rules\[0\]\.level: want one of None, Metadata, Request, RequestResponse/,
      ],
      [
        { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', omitStages: ['Started'] }] },
        /rules\[0\]\.omitStages: unknown stage "Started"/,
      ],
      [
        { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', nonResourceURLs: ['/x'], resources: [{ group: '' }] }] },
        /both regular resources and non-resource URLs/,
      ],
    ];
    for (const [doc, message] of bad) assert.throws(() => parseAuditPolicy(doc as AuditPolicy), message);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRule, ruleAllows, uncoveredRules, type RuleAttributes } from './rbac-rules.ts';

const req = (verb: string, group: string, resource: string, subresource = '', name = ''): RuleAttributes => ({
  isResourceRequest: true,
  verb,
  group,
  resource,
  subresource,
  name,
  path: '',
});

test('rules match verbs, groups, resources, subresources and names with wildcards', () => {
  const podsRead = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] };
  assert.equal(ruleAllows(podsRead, req('get', '', 'pods')), true);
  assert.equal(ruleAllows(podsRead, req('get', '', 'pods', 'log')), true);
  assert.equal(ruleAllows(podsRead, req('get', '', 'pods', 'exec')), false);
  assert.equal(ruleAllows(podsRead, req('delete', '', 'pods')), false);
  assert.equal(ruleAllows(podsRead, req('get', 'apps', 'pods')), false);
  assert.equal(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }, req('update', 'apps', 'deployments', 'scale')), true);
  assert.equal(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, req('get', '', 'secrets', '', 'b')), false);
  const health = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.equal(ruleAllows(health, { ...req('get', '', ''), isResourceRequest: false, path: '/apis/apps' }), true);
  assert.equal(ruleAllows(health, { ...req('get', '', ''), isResourceRequest: false, path: '/metrics' }), false);
});

test('covering is decided piece by piece, as upstream Covers', () => {
  const owner = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['mine'] },
  ];
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), []);
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['mine'] }]), []);
  const missing = uncoveredRules(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
  assert.deepEqual(missing.map(formatRule), [
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}',
  ]);
  assert.deepEqual(
    uncoveredRules(
      [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ],
      missing,
    ),
    [],
  );
});

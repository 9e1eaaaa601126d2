import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ruleMatches, type RuleTarget, type RuleWithOperations } from './rule-matcher.ts';

const pods: RuleTarget = { operation: 'CREATE', group: '', version: 'v1', resource: 'pods', subresource: '', namespaced: true };
const podStatus: RuleTarget = { ...pods, operation: 'UPDATE', subresource: 'status' };
const node: RuleTarget = { operation: 'CREATE', group: '', version: 'v1', resource: 'nodes', subresource: '', namespaced: false };
const rule = (over: Partial<RuleWithOperations>): RuleWithOperations => ({
  operations: ['*'],
  apiGroups: [''],
  apiVersions: ['v1'],
  resources: ['pods'],
  ...over,
});

describe('ruleMatches (upstream predicates/rules)', () => {
  const cases: [string, RuleWithOperations, RuleTarget, boolean][] = [
    ['exact resource', rule({}), pods, true],
    ['operation listed', rule({ operations: ['CREATE'] }), pods, true],
    ['operation not listed', rule({ operations: ['DELETE'] }), pods, false],
    ['other group', rule({ apiGroups: ['apps'] }), pods, false],
    ['any group and version', rule({ apiGroups: ['*'], apiVersions: ['*'] }), pods, true],
    ['other version', rule({ apiVersions: ['v2'] }), pods, false],
    ['* is every resource', rule({ resources: ['*'] }), pods, true],
    ['* is no subresource', rule({ resources: ['*'] }), podStatus, false],
    ['pods is not pods/status', rule({}), podStatus, false],
    ['pods/status', rule({ resources: ['pods/status'] }), podStatus, true],
    ['pods/* is every pod subresource', rule({ resources: ['pods/*'] }), podStatus, true],
    ['pods/* is not pods itself', rule({ resources: ['pods/*'] }), pods, false],
    ['*/status', rule({ resources: ['*/status'] }), podStatus, true],
    ['*/scale is not status', rule({ resources: ['*/scale'] }), podStatus, false],
    ['*/* is everything', rule({ resources: ['*/*'] }), pods, true],
    ['*/* covers subresources', rule({ resources: ['*/*'] }), podStatus, true],
    ['scope Namespaced, namespaced request', rule({ scope: 'Namespaced' }), pods, true],
    ['scope Cluster, namespaced request', rule({ scope: 'Cluster' }), pods, false],
    ['scope Cluster, cluster request', rule({ resources: ['nodes'], scope: 'Cluster' }), node, true],
    ['scope *, cluster request', rule({ resources: ['nodes'], scope: '*' }), node, true],
    ['no operations', rule({ operations: [] }), pods, false],
  ];
  for (const [name, r, target, want] of cases) {
    it(name, () => assert.equal(ruleMatches(r, target), want));
  }
});

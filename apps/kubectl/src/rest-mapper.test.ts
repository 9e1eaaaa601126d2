import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findMapping, kindPrefix, mappingsFromDiscovery, splitResourceArg } from './rest-mapper.ts';

const mappings = mappingsFromDiscovery([
  {
    groupVersion: 'v1',
    resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] },
      { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod' },
      { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', shortNames: ['ev'] },
      { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', shortNames: ['no'] },
    ],
  },
  {
    groupVersion: 'apps/v1',
    resources: [
      { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', shortNames: ['deploy'] },
      { name: 'deployments/scale', singularName: '', namespaced: true, kind: 'Scale' },
    ],
  },
  { groupVersion: 'events.k8s.io/v1', resources: [{ name: 'events', singularName: 'event', namespaced: true, kind: 'Event', shortNames: ['ev'] }] },
]);

describe('rest mapping', () => {
  it('resolves plural, singular, short name and Kind alike', () => {
    for (const arg of ['po', 'pods', 'pod', 'Pod', 'PODS']) assert.equal(findMapping(mappings, arg)?.resource, 'pods', arg);
    for (const arg of ['deploy', 'deployment', 'Deployment', 'deployments.apps', 'deployment.apps', 'deploy.apps', 'deployments.v1.apps']) {
      const m = findMapping(mappings, arg);
      assert.equal(m?.group, 'apps', arg);
      assert.equal(m?.resource, 'deployments', arg);
    }
  });

  it('folds subresources into their parent and prefers the core group', () => {
    assert.deepEqual(findMapping(mappings, 'pods')?.subresources, ['status']);
    assert.deepEqual(findMapping(mappings, 'deploy')?.subresources, ['scale']);
    assert.equal(findMapping(mappings, 'events')?.group, '');
    assert.equal(findMapping(mappings, 'events.events.k8s.io')?.group, 'events.k8s.io');
    assert.equal(findMapping(mappings, 'nodes')?.namespaced, false);
  });

  it('answers undefined for unknown names and the wrong group', () => {
    assert.equal(findMapping(mappings, 'nosuchkind'), undefined);
    assert.equal(findMapping(mappings, 'pods.apps'), undefined);
  });

  it('splits group and version and names kinds like kubectl', () => {
    assert.deepEqual(splitResourceArg('deployments.v1.apps'), { name: 'deployments', version: 'v1', group: 'apps' });
    assert.deepEqual(splitResourceArg('leases.coordination.k8s.io'), { name: 'leases', group: 'coordination.k8s.io' });
    assert.equal(kindPrefix(findMapping(mappings, 'deploy')!), 'deployment.apps');
    assert.equal(kindPrefix(findMapping(mappings, 'po')!), 'pod');
  });
});

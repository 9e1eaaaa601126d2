import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyGraph } from './dependency-graph.ts';
import { graphEvents } from './garbage-collector.ts';
import { monitoredResources } from './graph-monitors.ts';
import { obj, ownerRef } from './fake-gc-client.ts';

test('monitored kinds: everything listable, watchable and deletable except Events', () => {
  const names = monitoredResources().map((r) => r.resource);
  for (const want of [
    'pods',
    'replicasets',
    'deployments',
    'replicationcontrollers',
    'endpoints',
    'endpointslices',
    'services',
    'configmaps',
    'secrets',
    'serviceaccounts',
    'leases',
    'nodes',
  ]) {
    assert.ok(names.includes(want), want);
  }
  assert.ok(!names.includes('events') && !names.includes('bindings'));
});

test('events: resyncs are ignored; a name re-created under a new uid retires the old node', () => {
  const graph = new DependencyGraph();
  const orphans: string[] = [];
  const events = graphEvents(graph, (uids) => orphans.push(...uids));
  const rs = obj('apps/v1', 'ReplicaSet', 'web', 'r1');
  const pod = obj('v1', 'Pod', 'web-1', 'p1', { ownerReferences: [ownerRef(rs)] });
  events.add!(rs);
  assert.deepEqual(events.add!(pod), []);
  assert.equal(events.update!(rs, rs), undefined);
  // A relist after a 410 shows the same name with another uid: the pod's owner is gone.
  assert.ok((events.update!(rs, obj('apps/v1', 'ReplicaSet', 'web', 'r2', { resourceVersion: '9' })) as string[]).includes('p1'));
  assert.equal(graph.get('r1'), undefined);
  events.delete!(pod);
  assert.equal(graph.get('p1'), undefined);
  assert.deepEqual(orphans, []);
});

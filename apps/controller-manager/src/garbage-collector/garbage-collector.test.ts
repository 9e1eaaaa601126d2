import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Informer, KubeObject } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { DependencyGraph, type GraphChanges } from './dependency-graph.ts';
import { monitoredResources, watchIntoGraph } from './garbage-collector.ts';
import { obj, ownerRef } from './fake-gc-client.ts';

test('monitored kinds: everything listable, watchable and deletable except Events', () => {
  const names = monitoredResources().map((r) => r.resource);
  for (const want of ['pods', 'replicasets', 'deployments', 'replicationcontrollers', 'endpoints', 'endpointslices', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'leases', 'nodes']) {
    assert.ok(names.includes(want), want);
  }
  assert.ok(!names.includes('events') && !names.includes('bindings'));
});

/** Just the handler registration surface of an Informer, driven by the test. */
class FakeInformer {
  add?: (o: KubeObject) => void;
  update?: (a: KubeObject, b: KubeObject) => void;
  del?: (o: KubeObject) => void;
  onAdd(h: (o: KubeObject) => void) { this.add = h; }
  onUpdate(h: (a: KubeObject, b: KubeObject) => void) { this.update = h; }
  onDelete(h: (o: KubeObject) => void) { this.del = h; }
}

test('handlers: resyncs are ignored; a name re-created under a new uid retires the old node', () => {
  const graph = new DependencyGraph();
  const seen: GraphChanges[] = [];
  const informer = new FakeInformer();
  watchIntoGraph(informer as unknown as Informer<KubeObject>, graph, (c) => seen.push(c), createLogger('gc-test', 'silent'));
  const rs = obj('apps/v1', 'ReplicaSet', 'web', 'r1');
  const pod = obj('v1', 'Pod', 'web-1', 'p1', { ownerReferences: [ownerRef(rs)] });
  informer.add!(rs);
  informer.add!(pod);
  seen.length = 0;
  informer.update!(rs, rs);
  assert.equal(seen.length, 0);
  // A relist after a 410 shows the same name with another uid: the pod's owner is gone.
  informer.update!(rs, obj('apps/v1', 'ReplicaSet', 'web', 'r2', { resourceVersion: '9' }));
  assert.equal(graph.get('r1'), undefined);
  assert.ok(seen.some((c) => c.attemptToDelete.includes('p1')));
  informer.del!(pod);
  assert.equal(graph.get('p1'), undefined);
});

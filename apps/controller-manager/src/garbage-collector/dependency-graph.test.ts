import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyGraph } from './dependency-graph.ts';
import { obj, ownerRef } from './fake-gc-client.ts';

const deploy = obj('apps/v1', 'Deployment', 'web', 'd1');
const rs = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { ownerReferences: [ownerRef(deploy)] });
const pod = (name: string, uid: string, block = true) => obj('v1', 'Pod', name, uid, { ownerReferences: [ownerRef(rs, block)] });

test('a dependent whose owner is observed is not queued; one whose owner is unknown is', () => {
  const graph = new DependencyGraph();
  assert.deepEqual(graph.observe(deploy).attemptToDelete, []);
  assert.deepEqual(graph.observe(rs).attemptToDelete, []);
  const orphan = obj('v1', 'Pod', 'lost', 'p9', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'r-gone' }] });
  assert.deepEqual(graph.observe(orphan).attemptToDelete, ['p9']);
  assert.deepEqual(
    graph.dependentsOf('d1').map((n) => n.identity.name),
    ['web-abc'],
  );
});

test('removing an owner queues its dependents; the index survives until they go', () => {
  const graph = new DependencyGraph();
  graph.observe(rs);
  graph.observe(pod('a', 'p1'));
  graph.observe(pod('b', 'p2'));
  const changes = graph.remove(rs);
  assert.deepEqual(changes.attemptToDelete.sort(), ['p1', 'p2']);
  assert.equal(graph.get('r1'), undefined);
  assert.equal(graph.dependentsOf('r1').length, 2);
  graph.remove(pod('a', 'p1'));
  assert.deepEqual(
    graph.dependentsOf('r1').map((n) => n.identity.uid),
    ['p2'],
  );
});

test('an owner entering foreground deletion queues itself and every dependent, once', () => {
  const graph = new DependencyGraph();
  graph.observe(rs);
  graph.observe(pod('a', 'p1'));
  graph.observe(pod('b', 'p2', false));
  const marked = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', {
    resourceVersion: '2',
    deletionTimestamp: '2026-01-01T00:00:00Z',
    finalizers: ['foregroundDeletion'],
    ownerReferences: [ownerRef(deploy)],
  });
  assert.deepEqual(graph.observe(marked).attemptToDelete.sort(), ['p1', 'p2', 'r1']);
  assert.equal(graph.get('r1')!.deletingDependents, true);
  assert.deepEqual(
    graph.blockingDependentsOf('r1').map((n) => n.identity.uid),
    ['p1'],
  );
  // A later update of the owner does not re-queue every dependent.
  assert.deepEqual(graph.observe({ ...marked, metadata: { ...marked.metadata, resourceVersion: '3' } }).attemptToDelete, ['r1']);
});

test('a blocking dependent that goes away, or unblocks, wakes its foreground owner', () => {
  const graph = new DependencyGraph();
  graph.observe(obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { deletionTimestamp: 'x', finalizers: ['foregroundDeletion'] }));
  graph.observe(pod('a', 'p1'));
  graph.observe(pod('b', 'p2'));
  assert.ok(graph.remove(pod('a', 'p1')).attemptToDelete.includes('r1'));
  const unblocked = pod('b', 'p2', false);
  assert.ok(graph.observe(unblocked).attemptToDelete.includes('r1'));
  assert.deepEqual(graph.blockingDependentsOf('r1'), []);
});

test('an owner marked for orphaning goes on the orphan queue', () => {
  const graph = new DependencyGraph();
  const changes = graph.observe(obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { deletionTimestamp: 'x', finalizers: ['orphan'] }));
  assert.deepEqual(changes.attemptToOrphan, ['r1']);
  assert.deepEqual(changes.attemptToDelete, []);
});

test('a namespaced owner in another namespace counts as unknown, a cluster-scoped one as solid', () => {
  const graph = new DependencyGraph();
  const otherNs = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { namespace: 'other' });
  graph.observe(otherNs);
  const node = obj('v1', 'Node', 'n1', 'n1', { namespace: undefined });
  graph.observe(node);
  const p = obj('v1', 'Pod', 'a', 'p1', { ownerReferences: [ownerRef(otherNs), ownerRef(node)] });
  assert.deepEqual(graph.observe(p).attemptToDelete, ['p1']);
  const pNode = graph.get('p1')!;
  assert.equal(graph.ownerState(ownerRef(otherNs), pNode), 'unknown');
  assert.equal(graph.ownerState(ownerRef(node), pNode), 'solid');
});

test('dropping an owner reference unlinks the dependent from that owner', () => {
  const graph = new DependencyGraph();
  graph.observe(rs);
  graph.observe(pod('a', 'p1'));
  graph.observe(obj('v1', 'Pod', 'a', 'p1', { resourceVersion: '2' }));
  assert.deepEqual(graph.dependentsOf('r1'), []);
});

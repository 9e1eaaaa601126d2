import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { selectPodsToEvict } from './drain.ts';

function pod(name: string, opts: { owner?: string; mirror?: boolean; emptyDir?: boolean; phase?: string } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner, name: 'o', uid: 'u', controller: true }] } : {}),
      ...(opts.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(opts.emptyDir ? { volumes: [{ name: 'tmp', emptyDir: {} }] } : {}) },
    status: { phase: opts.phase ?? 'Running' },
  };
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

test('drain evicts managed pods and skips mirror pods', () => {
  const { evict, errors } = selectPodsToEvict([pod('rs', { owner: 'ReplicaSet' }), pod('static', { mirror: true })], {});
  assert.deepEqual(names(evict), ['rs']);
  assert.deepEqual(errors, []);
});

test('DaemonSet pods block the drain unless --ignore-daemonsets, and are never evicted', () => {
  const pods = [pod('ds', { owner: 'DaemonSet' }), pod('ds2', { owner: 'DaemonSet' }), pod('rs', { owner: 'ReplicaSet' })];
  assert.deepEqual(selectPodsToEvict(pods, {}).errors, ['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds, default/ds2']);
  const ignored = selectPodsToEvict(pods, { ignoreDaemonSets: true });
  assert.deepEqual(names(ignored.evict), ['rs']);
  assert.deepEqual(ignored.errors, []);
  assert.equal(ignored.warnings, 'ignoring DaemonSet-managed Pods: default/ds, default/ds2');
});

test("a pod of a DaemonSet that is gone needs --force, and the server's words say why", () => {
  const missing = new Map([['default/o', 'daemonsets.apps "o" not found']]);
  const pods = [pod('orphan', { owner: 'DaemonSet' })];
  assert.deepEqual(selectPodsToEvict(pods, { ignoreDaemonSets: true }, missing).errors, ['cannot delete daemonsets.apps "o" not found: default/orphan']);
  const forced = selectPodsToEvict(pods, { force: true }, missing);
  assert.deepEqual(names(forced.evict), ['orphan']);
  assert.deepEqual(forced.errors, []);
});

test('unmanaged pods need --force; finished ones do not; emptyDir needs --delete-emptydir-data', () => {
  const pods = [pod('bare'), pod('done', { phase: 'Succeeded' }), pod('scratch', { owner: 'ReplicaSet', emptyDir: true })];
  const strict = selectPodsToEvict(pods, {});
  assert.deepEqual(names(strict.evict), ['done']);
  assert.deepEqual(strict.errors, [
    'cannot delete Pods that declare no controller (use --force to override): default/bare',
    'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch',
  ]);
  const forced = selectPodsToEvict(pods, { force: true, deleteEmptyDirData: true });
  assert.deepEqual(names(forced.evict), ['bare', 'done', 'scratch']);
  assert.deepEqual(forced.errors, []);
  // As upstream: the emptyDir warning of a managed pod is overwritten by the last filter's okay.
  assert.equal(forced.warnings, 'deleting Pods that declare no controller: default/bare');
});

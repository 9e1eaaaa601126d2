import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { parseDurationMs, selectPodsToEvict } from './drain.ts';

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
  const pods = [pod('ds', { owner: 'DaemonSet' }), pod('rs', { owner: 'ReplicaSet' })];
  assert.match(selectPodsToEvict(pods, {}).errors.join(), /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/ds/);
  const ignored = selectPodsToEvict(pods, { ignoreDaemonSets: true });
  assert.deepEqual(names(ignored.evict), ['rs']);
  assert.deepEqual(ignored.errors, []);
});

test('unmanaged pods need --force; finished ones do not; emptyDir needs --delete-emptydir-data', () => {
  const pods = [pod('bare'), pod('done', { phase: 'Succeeded' }), pod('scratch', { owner: 'ReplicaSet', emptyDir: true })];
  const strict = selectPodsToEvict(pods, {});
  assert.deepEqual(names(strict.evict), ['done']);
  assert.equal(strict.errors.length, 2);
  const forced = selectPodsToEvict(pods, { force: true, deleteEmptyDirData: true });
  assert.deepEqual(names(forced.evict), ['bare', 'done', 'scratch']);
  assert.deepEqual(forced.errors, []);
});

test('durations parse like kubectl\'s --timeout', () => {
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('5'), 5_000);
  assert.throws(() => parseDurationMs('soon'), /invalid duration/);
});

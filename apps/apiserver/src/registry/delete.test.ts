import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../storage/store.ts';
import { planDeletion } from './delete.ts';

function res(resource: string, kind: string, namespaced = true): ResourceInfo {
  return {
    group: '',
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: [],
  };
}
const pods = res('pods', 'Pod');
const configmaps = res('configmaps', 'ConfigMap');
const namespaces = res('namespaces', 'Namespace', false);
const now = new Date('2026-01-01T00:00:00Z');

function pod(extra: { nodeName?: string; grace?: number; meta?: object; phase?: string } = {}): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'default', generation: 1, ...extra.meta },
    spec: { ...(extra.nodeName ? { nodeName: extra.nodeName } : {}), ...(extra.grace !== undefined ? { terminationGracePeriodSeconds: extra.grace } : {}) },
    status: { phase: extra.phase ?? 'Running' },
  };
}

test('unbound pod and plain objects go at once', () => {
  assert.deepEqual(planDeletion(pods, pod(), {}, now), { action: 'remove' });
  assert.deepEqual(planDeletion(configmaps, { metadata: { name: 'c' } }, {}, now), { action: 'remove' });
  assert.deepEqual(planDeletion(pods, pod({ nodeName: 'n1', phase: 'Succeeded' }), {}, now), { action: 'remove' });
});

test('bound pod: grace from options, else the pod, else 30 s; grace 0 removes', () => {
  const fromPod = planDeletion(pods, pod({ nodeName: 'n1', grace: 10 }), {}, now);
  assert.equal(fromPod.action, 'mark');
  const marked = (fromPod as { object: KubeObject }).object.metadata;
  assert.equal(marked.deletionTimestamp, '2026-01-01T00:00:10Z');
  assert.equal(marked.deletionGracePeriodSeconds, 10);
  assert.equal(marked.generation, 2);
  const fromOpts = planDeletion(pods, pod({ nodeName: 'n1', grace: 10 }), { gracePeriodSeconds: 5 }, now) as { object: KubeObject };
  assert.equal(fromOpts.object.metadata.deletionGracePeriodSeconds, 5);
  const byDefault = planDeletion(pods, pod({ nodeName: 'n1' }), {}, now) as { object: KubeObject };
  assert.equal(byDefault.object.metadata.deletionGracePeriodSeconds, 30);
  assert.deepEqual(planDeletion(pods, pod({ nodeName: 'n1' }), { gracePeriodSeconds: 0 }, now), { action: 'remove' });
});

test('a second delete may shorten the grace period, never extend it', () => {
  const meta = { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 };
  assert.deepEqual(planDeletion(pods, pod({ nodeName: 'n1', meta }), { gracePeriodSeconds: 60 }, now), { action: 'keep' });
  const shorter = planDeletion(pods, pod({ nodeName: 'n1', meta }), { gracePeriodSeconds: 5 }, now) as { object: KubeObject };
  assert.equal(shorter.object.metadata.deletionGracePeriodSeconds, 5);
  assert.equal(shorter.object.metadata.deletionTimestamp, '2026-01-01T00:00:05Z');
  assert.equal(shorter.object.metadata.generation, 1, 'generation moves on the first mark only');
});

test('finalizers and propagation policies mark instead of removing', () => {
  const withFinalizer = planDeletion(configmaps, { metadata: { name: 'c', finalizers: ['x/y'] } }, {}, now) as { action: string; object: KubeObject };
  assert.equal(withFinalizer.action, 'mark');
  assert.equal(withFinalizer.object.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(withFinalizer.object.metadata.deletionGracePeriodSeconds, 0);
  const orphan = planDeletion(configmaps, { metadata: { name: 'c' } }, { propagationPolicy: 'Orphan' }, now) as { object: KubeObject };
  assert.deepEqual(orphan.object.metadata.finalizers, ['orphan']);
  const fg = planDeletion(configmaps, { metadata: { name: 'c', finalizers: ['orphan'] } }, { propagationPolicy: 'Foreground' }, now) as { object: KubeObject };
  assert.deepEqual(fg.object.metadata.finalizers, ['foregroundDeletion']);
  assert.deepEqual(planDeletion(configmaps, { metadata: { name: 'c', finalizers: ['orphan'] } }, { propagationPolicy: 'Background' }, now), {
    action: 'remove',
  });
  const again = { metadata: { name: 'c', finalizers: ['x/y'], deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 } };
  assert.deepEqual(planDeletion(configmaps, again, {}, now), { action: 'keep' });
});

test('namespaces go Terminating while finalizers remain', () => {
  const ns = { metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  const plan = planDeletion(namespaces, ns, {}, now) as { action: string; object: KubeObject };
  assert.equal(plan.action, 'mark');
  assert.equal((plan.object.status as { phase: string }).phase, 'Terminating');
  assert.equal(plan.object.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
  assert.deepEqual(planDeletion(namespaces, plan.object, {}, now), { action: 'keep' });
  assert.deepEqual(planDeletion(namespaces, { metadata: { name: 'n' }, spec: { finalizers: [] } }, {}, now), { action: 'remove' });
});

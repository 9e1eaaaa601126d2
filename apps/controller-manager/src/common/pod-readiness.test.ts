import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { isPodActive, isPodAvailable, isPodReady, podReadySince } from './pod-readiness.ts';

const readyPod = (since: string, status = 'True'): Pod => ({
  status: { phase: 'Running', conditions: [{ type: 'Ready', status, lastTransitionTime: since }] },
});

test('readiness and availability', () => {
  const now = new Date('2024-01-01T00:00:10Z');
  const pod = readyPod('2024-01-01T00:00:05Z');
  assert.equal(isPodReady(pod), true);
  assert.equal(podReadySince(pod)?.toISOString(), '2024-01-01T00:00:05.000Z');
  assert.equal(isPodAvailable(pod, 0, now), true);
  assert.equal(isPodAvailable(pod, 4, now), true);
  assert.equal(isPodAvailable(pod, 5, now), false, 'strictly longer than minReadySeconds');
  assert.equal(isPodAvailable(readyPod('2024-01-01T00:00:05Z', 'False'), 0, now), false);
  assert.equal(podReadySince(readyPod('2024-01-01T00:00:05Z', 'False')), undefined);
});

test('isPodActive', () => {
  assert.equal(isPodActive({ status: { phase: 'Running' } }), true);
  assert.equal(isPodActive({}), true);
  assert.equal(isPodActive({ status: { phase: 'Succeeded' } }), false);
  assert.equal(isPodActive({ status: { phase: 'Failed' } }), false);
  assert.equal(isPodActive({ metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } }), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { daemonSetStrategy, TEMPLATE_GENERATION_ANNOTATION } from './daemonset.ts';

const ds = (image: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', ...(annotations ? { annotations } : {}) },
  spec: { template: { spec: { containers: [{ name: 'a', image }] } } },
  status: { numberReady: 3 },
});

test('create: status cleared, template generation 1, user annotations kept', () => {
  const obj = ds('agent:1', { team: 'infra' });
  daemonSetStrategy.prepareForCreate(obj);
  assert.deepEqual(obj.status, {});
  assert.deepEqual(obj.metadata.annotations, { team: 'infra', [TEMPLATE_GENERATION_ANNOTATION]: '1' });
});

test('update: the template generation counts template changes only', () => {
  const old = ds('agent:1', { [TEMPLATE_GENERATION_ANNOTATION]: '2' });
  const same = ds('agent:1');
  daemonSetStrategy.prepareForUpdate(same, old);
  assert.equal(same.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], '2');
  const rolled = ds('agent:2', { [TEMPLATE_GENERATION_ANNOTATION]: '2' });
  daemonSetStrategy.prepareForUpdate(rolled, old);
  assert.equal(rolled.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION], '3');
});

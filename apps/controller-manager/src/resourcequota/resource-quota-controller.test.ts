import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceInfo, ResourceQuota } from '@skiff/api';
import type { KubeObject } from '@skiff/client';
import { RESYNC_MS, syncQuota, type QuotaSyncDeps } from './resource-quota-controller.ts';

function fakeDeps(quota: ResourceQuota, objects: Record<string, KubeObject[]>) {
  const writes: ResourceQuota[] = [];
  const deps = {
    quotas: { get: (ns: string | undefined, name: string) => (ns === quota.metadata?.namespace && name === quota.metadata?.name ? quota : undefined) },
    client: {
      list: async (res: ResourceInfo) => ({ items: objects[res.resource] ?? [] }),
      update: async (_res: ResourceInfo, obj: ResourceQuota) => {
        writes.push(obj);
        return obj;
      },
    },
  } as unknown as QuotaSyncDeps;
  return { deps, writes };
}

const pod = (name: string, cpu?: string, phase?: string): KubeObject =>
  ({
    metadata: { name, namespace: 'team' },
    spec: { containers: [{ name: 'c', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] },
    ...(phase ? { status: { phase } } : {}),
  }) as KubeObject;

test('status.hard mirrors spec.hard and status.used counts live pods, not finished ones; a resync follows', async () => {
  const quota: ResourceQuota = { metadata: { name: 'q', namespace: 'team' }, spec: { hard: { pods: '5', 'requests.cpu': '2000m', 'count/configmaps': '3' } } };
  const { deps, writes } = fakeDeps(quota, {
    pods: [pod('a', '250m'), pod('b', '500m'), pod('done', '1', 'Succeeded')],
    configmaps: [{ metadata: { name: 'x' } } as KubeObject],
  });
  assert.deepEqual(await syncQuota(deps, 'team/q'), { requeueAfter: RESYNC_MS });
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0].status, {
    hard: { pods: '5', 'requests.cpu': '2', 'count/configmaps': '3' },
    used: { pods: '2', 'requests.cpu': '750m', 'count/configmaps': '1' },
  });
});

test('nothing is written when the status is already exact; a scoped quota counts only its pods', async () => {
  const quota: ResourceQuota = {
    metadata: { name: 'be', namespace: 'team' },
    spec: { hard: { pods: '2' }, scopes: ['BestEffort'] },
    status: { hard: { pods: '2' }, used: { pods: '1' } },
  };
  const { deps, writes } = fakeDeps(quota, { pods: [pod('plain'), pod('sized', '100m')] });
  await syncQuota(deps, 'team/be');
  assert.equal(writes.length, 0);
  assert.equal(await syncQuota(deps, 'team/gone'), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { CidrAllocator } from './cidr-allocator.ts';
import { NodeIpamSyncer } from './node-ipam-controller.ts';

function node(name: string, podCIDR?: string): Node {
  return { metadata: { name, uid: `uid-${name}` }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

function fixture(nodes: Node[]) {
  const patches: { name: string; patch: unknown }[] = [];
  const byName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
  const syncer = new NodeIpamSyncer({
    client: {
      patch: async (_res, _ns, name, _type, patch) => {
        patches.push({ name, patch });
        return {} as never;
      },
    },
    nodes: { get: (_ns, name) => byName.get(name) },
    allocator: new CidrAllocator('10.244.0.0/16', 24),
    logger: createLogger('test', 'silent'),
  });
  const needing = nodes.filter((n) => syncer.observe(n)).map((n) => n.metadata!.name!);
  return { syncer, patches, byName, needing };
}

test('nodes without a pod CIDR get the next free one; existing ones are respected', async () => {
  const fx = fixture([node('a', '10.244.0.0/24'), node('b'), node('c', '10.244.1.0/24'), node('d')]);
  assert.deepEqual(fx.needing, ['b', 'd']);
  for (const name of fx.needing) await fx.syncer.sync(name);
  assert.deepEqual(fx.patches, [
    { name: 'b', patch: { spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } } },
    { name: 'd', patch: { spec: { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] } } },
  ]);
});

test('a node that has a CIDR, or is gone, is not patched', async () => {
  const fx = fixture([node('a', '10.244.0.0/24')]);
  await fx.syncer.sync('a');
  await fx.syncer.sync('missing');
  assert.deepEqual(fx.patches, []);
});

test('a deleted node frees its CIDR; a failed patch gives it back', async () => {
  const fx = fixture([node('a', '10.244.0.0/24')]);
  fx.syncer.forget(node('a', '10.244.0.0/24'));
  // A second node claiming the same CIDR (a conflict) does not free it for the other.
  fx.syncer.observe(node('x', '10.244.5.0/24'));
  fx.syncer.forget(node('y', '10.244.5.0/24'));
  fx.byName.set('b', node('b'));
  await fx.syncer.sync('b');
  assert.deepEqual(
    fx.patches.map((p) => p.patch),
    [{ spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } }],
  );

  const failing = new NodeIpamSyncer({
    client: {
      patch: async () => {
        throw new Error('boom');
      },
    },
    nodes: { get: (_ns, name) => (name === 'c' ? node('c') : undefined) },
    allocator: new CidrAllocator('10.0.0.0/23', 24),
    logger: createLogger('test', 'silent'),
  });
  await assert.rejects(failing.sync('c'), /node c: patch pod CIDR 10.0.0.0\/24/);
  await assert.rejects(failing.sync('c'), /node c: patch pod CIDR 10.0.1.0\/24/);
  // Both were released: the range is not exhausted.
  await assert.rejects(failing.sync('c'), /patch pod CIDR 10.0.0.0\/24/);
});

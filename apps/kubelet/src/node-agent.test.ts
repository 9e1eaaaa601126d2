/** A NodeAgent (registration, Lease, node status) over a recording fake client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { NodeAgent } from './node-agent.ts';
import { buildNode, nodeStatusChanged, buildNodeStatus } from './node-status.ts';

const shape = {
  name: 'hollow-node-0',
  internalIp: '10.255.0.1',
  cpu: '4',
  memory: '16Gi',
  maxPods: 110,
  labels: { zone: 'a' },
  runtimeVersion: 'fake://0.1.0',
  arch: 'amd64',
};

function notFound(): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' } as never);
}

function fixture() {
  const calls: { verb: string; path: string; body?: unknown; opts?: unknown }[] = [];
  let node: Node | undefined;
  const client = {
    get: async (res: { resource: string }, ns: string | undefined, name: string) => {
      calls.push({ verb: 'get', path: `${res.resource}/${ns}/${name}` });
      throw notFound();
    },
    create: async (res: { resource: string }, obj: object) => {
      calls.push({ verb: 'create', path: res.resource, body: obj });
      return obj;
    },
    update: async (res: { resource: string }, obj: object) => {
      calls.push({ verb: 'update', path: res.resource, body: obj });
      return obj;
    },
    patch: async (res: { resource: string }, ns: string | undefined, name: string, _t: string, body: unknown, opts?: { subresource?: string }) => {
      calls.push({ verb: 'patch', path: `${res.resource}/${ns ?? ''}/${name}/${opts?.subresource ?? ''}`, body });
      return {};
    },
    delete: async (res: { resource: string }, ns: string | undefined, name: string, opts?: unknown) => {
      calls.push({ verb: 'delete', path: `${res.resource}/${ns}/${name}`, opts });
      return {};
    },
  };
  const agent = new NodeAgent({
    shape,
    client: client as never,
    getNode: () => node,
    logger: createLogger('t', 'silent'),
    now: () => new Date('2026-01-01T00:00:10Z'),
  });
  return {
    agent,
    calls,
    setNode: (n: Node | undefined) => {
      node = n;
    },
  };
}

test('registration creates a standard Node; the lease is created when missing, then updated', async () => {
  const fx = fixture();
  await fx.agent.register();
  const created = fx.calls[0]!.body as Node;
  assert.equal(created.metadata!.labels!['kubernetes.io/hostname'], 'hollow-node-0');
  assert.equal(created.metadata!.labels!.zone, 'a');
  assert.deepEqual(created.status!.capacity, { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' });
  const ready = created.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
  assert.equal(created.status!.nodeInfo!.kubeletVersion, 'v1.30.0-skiff');
  fx.setNode({ ...created, metadata: { ...created.metadata, uid: 'node-uid' } });
  await fx.agent.renewLease();
  assert.deepEqual(
    fx.calls.slice(1).map((c) => c.verb),
    ['get', 'create'],
  );
  const lease = fx.calls[2]!.body as {
    spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
    metadata: { ownerReferences: { uid: string }[] };
  };
  assert.equal(lease.spec.holderIdentity, 'hollow-node-0');
  assert.equal(lease.spec.leaseDurationSeconds, 40);
  assert.equal(lease.spec.renewTime, '2026-01-01T00:00:10.000000Z');
  assert.equal(lease.metadata.ownerReferences[0]!.uid, 'node-uid');
  await fx.agent.renewLease();
  assert.equal(fx.calls.at(-1)!.verb, 'update');
});

test("node status is posted only when the server's differs (e.g. Ready=Unknown set by the controller)", async () => {
  const fx = fixture();
  const node = buildNode(shape, new Date('2026-01-01T00:00:00Z'));
  fx.setNode(node);
  await fx.agent.register();
  assert.equal(await fx.agent.syncNodeStatus(), false);
  const unknown = structuredClone(node);
  unknown.status!.conditions!.find((c) => c.type === 'Ready')!.status = 'Unknown';
  fx.setNode(unknown);
  assert.equal(nodeStatusChanged(unknown.status, buildNodeStatus(shape, unknown.status, new Date())), true);
  assert.equal(await fx.agent.syncNodeStatus(), true);
  assert.equal(fx.calls.at(-1)!.path, 'nodes//hollow-node-0/status');
});

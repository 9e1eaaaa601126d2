import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { claimObjects, getControllerOf, newControllerRef } from './controller-ref.ts';

const gvk = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'rs-1' } };

function pod(name: string, opts: { app?: string; controller?: string; deleting?: boolean; ns?: string } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: opts.ns ?? 'ns',
      uid: `uid-${name}`,
      labels: { app: opts.app ?? 'web' },
      ...(opts.controller ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: opts.controller, controller: true }] } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
  };
}

test('newControllerRef and getControllerOf', () => {
  const ref = newControllerRef(owner, gvk);
  assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true, blockOwnerDeletion: true });
  assert.equal(getControllerOf({ metadata: { ownerReferences: [{ ...ref, controller: false }, ref] } }), ref);
  assert.equal(getControllerOf({ metadata: {} }), undefined);
});

const cases: { name: string; pod: Pod; ownerDeleting?: boolean; kept: boolean; action?: 'adopt' | 'release' }[] = [
  { name: 'owned and matching: kept', pod: pod('a', { controller: 'rs-1' }), kept: true },
  { name: 'owned and matching while owner deleting: kept', pod: pod('a', { controller: 'rs-1' }), ownerDeleting: true, kept: true },
  { name: 'owned, not matching: released', pod: pod('a', { controller: 'rs-1', app: 'db' }), kept: false, action: 'release' },
  { name: 'owned, not matching, owner deleting: left alone', pod: pod('a', { controller: 'rs-1', app: 'db' }), ownerDeleting: true, kept: false },
  { name: 'orphan matching: adopted', pod: pod('a'), kept: true, action: 'adopt' },
  { name: 'orphan matching, owner deleting: not adopted', pod: pod('a'), ownerDeleting: true, kept: false },
  { name: 'orphan matching but being deleted: not adopted', pod: pod('a', { deleting: true }), kept: false },
  { name: 'orphan in another namespace: not adopted', pod: pod('a', { ns: 'other' }), kept: false },
  { name: 'orphan not matching: ignored', pod: pod('a', { app: 'db' }), kept: false },
  { name: 'controlled by another: ignored', pod: pod('a', { controller: 'rs-2' }), kept: false },
];

for (const c of cases) {
  test(`claimObjects: ${c.name}`, async () => {
    const actions: string[] = [];
    const claimed = await claimObjects<Pod>({
      owner: { metadata: { ...owner.metadata, ...(c.ownerDeleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) } },
      gvk,
      candidates: [c.pod],
      matches: (p) => p.metadata?.labels?.app === 'web',
      adopt: async (p) => void actions.push(`adopt ${p.metadata?.name}`),
      release: async (p) => void actions.push(`release ${p.metadata?.name}`),
    });
    assert.equal(claimed.length, c.kept ? 1 : 0);
    assert.deepEqual(actions, c.action ? [`${c.action} a`] : []);
  });
}

test('claimObjects: canAdopt is asked once and false prevents every adoption', async () => {
  let asked = 0;
  const adopted: string[] = [];
  const claimed = await claimObjects<Pod>({
    owner,
    gvk,
    candidates: [pod('a'), pod('b'), pod('c', { controller: 'rs-1' })],
    matches: () => true,
    adopt: async (p) => void adopted.push(p.metadata!.name!),
    release: async () => {},
    canAdopt: async () => (asked++, false),
  });
  assert.equal(asked, 1);
  assert.deepEqual(adopted, []);
  assert.deepEqual(
    claimed.map((p) => p.metadata?.name),
    ['c'],
  );
});

test('claimObjects: NotFound on adopt is ignored, other errors are thrown after the whole pass', async () => {
  const notFound = new ApiStatusError({ code: 404, reason: 'NotFound', message: 'gone' });
  const adopted: string[] = [];
  await assert.rejects(
    claimObjects<Pod>({
      owner,
      gvk,
      candidates: [pod('gone'), pod('boom'), pod('ok')],
      matches: () => true,
      adopt: async (p) => {
        if (p.metadata?.name === 'gone') throw notFound;
        if (p.metadata?.name === 'boom') throw new Error('boom');
        adopted.push(p.metadata!.name!);
      },
      release: async () => {},
    }),
    /boom/,
  );
  assert.deepEqual(adopted, ['ok']);
  const claimed = await claimObjects<Pod>({
    owner,
    gvk,
    candidates: [pod('gone'), pod('ok')],
    matches: () => true,
    adopt: async (p) => {
      if (p.metadata?.name === 'gone') throw notFound;
    },
    release: async () => {},
  });
  assert.deepEqual(
    claimed.map((p) => p.metadata?.name),
    ['ok'],
  );
});

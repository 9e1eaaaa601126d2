import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, PersistentVolume, PersistentVolumeClaim, ResourceInfo, StorageClass } from '@skiff/api';
import { InformerCache, type KubeObject } from '@skiff/client';
import { PersistentVolumeController } from './pv-controller.ts';

interface Action {
  verb: string;
  resource: string;
  name?: string;
  subresource?: string;
  body?: unknown;
}

/** Preloaded caches and a client that records writes and applies them to the caches, as the watch would. */
function fixture(objs: { claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[]; classes?: StorageClass[] }) {
  const claims = new InformerCache<PersistentVolumeClaim>();
  const volumes = new InformerCache<PersistentVolume>();
  const classes = new InformerCache<StorageClass>();
  const nodes = new InformerCache<Node>();
  for (const c of objs.claims ?? []) claims.upsert(c);
  for (const v of objs.volumes ?? []) volumes.upsert(v);
  for (const c of objs.classes ?? []) classes.upsert(c);
  const actions: Action[] = [];
  const events: string[] = [];
  const cacheOf = (res: ResourceInfo) => (res.resource === 'persistentvolumes' ? volumes : claims) as unknown as InformerCache<KubeObject>;
  const client = {
    async update<T extends KubeObject>(res: ResourceInfo, obj: T, opts: { subresource?: string } = {}): Promise<T> {
      actions.push({ verb: 'update', resource: res.resource, name: obj.metadata?.name, subresource: opts.subresource, body: obj });
      cacheOf(res).upsert(obj);
      return obj;
    },
    async patch<T>(
      res: ResourceInfo,
      ns: string | undefined,
      name: string,
      type: string,
      patch: { metadata: { annotations: Record<string, string> } },
    ): Promise<T> {
      actions.push({ verb: `patch-${type}`, resource: res.resource, name, body: patch });
      const cur = cacheOf(res).get(ns, name)!;
      const next = { ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata?.annotations, ...patch.metadata.annotations } } };
      cacheOf(res).upsert(next);
      return next as T;
    },
    async delete(res: ResourceInfo, _ns: string | undefined, name: string) {
      actions.push({ verb: 'delete', resource: res.resource, name });
      return { kind: 'Status' };
    },
  };
  const recorder = { event: (_o: unknown, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) };
  const controller = new PersistentVolumeController({ client: client as never, claims, volumes, classes, nodes, recorder });
  return { controller, actions, events, claims, volumes };
}

const claim = (name: string, extra: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', ...extra },
});

const volume = (name: string, size: string, extra: Partial<PersistentVolume['spec']> = {}, labels?: Record<string, string>): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, resourceVersion: '1', ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/data/${name}` }, storageClassName: '', ...extra },
  status: { phase: 'Available' },
});

test('an unbound claim binds the smallest Available volume that fits, both ways, with phases and capacity', async () => {
  const fx = fixture({ claims: [claim('data')], volumes: [volume('big', '5Gi'), volume('small', '512Mi'), volume('fit', '2Gi')] });
  await fx.controller.sync('claim:ns/data');
  const pv = fx.volumes.get(undefined, 'fit')!;
  assert.equal(pv.spec?.claimRef?.name, 'data');
  assert.equal(pv.spec?.claimRef?.uid, 'uid-data');
  assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(pv.status?.phase, 'Bound');
  const pvc = fx.claims.get('ns', 'data')!;
  assert.equal(pvc.spec?.volumeName, 'fit');
  assert.equal(pvc.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(pvc.status?.phase, 'Bound');
  assert.equal(pvc.status?.capacity?.storage, '2Gi');
  assert.deepEqual(pvc.status?.accessModes, ['ReadWriteOnce']);
});

test('class, access modes and selector all have to match', async () => {
  const fx = fixture({
    claims: [claim('data', { storageClassName: 'fast', accessModes: ['ReadWriteMany'], selector: { matchLabels: { tier: 'db' } } })],
    volumes: [
      volume('wrong-class', '1Gi', { storageClassName: 'slow', accessModes: ['ReadWriteMany'] }, { tier: 'db' }),
      volume('wrong-mode', '1Gi', { storageClassName: 'fast' }, { tier: 'db' }),
      volume('wrong-label', '1Gi', { storageClassName: 'fast', accessModes: ['ReadWriteMany'] }, { tier: 'web' }),
      volume('right', '10Gi', { storageClassName: 'fast', accessModes: ['ReadWriteOnce', 'ReadWriteMany'] }, { tier: 'db' }),
    ],
    classes: [{ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'kubernetes.io/no-provisioner' }],
  });
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.claims.get('ns', 'data')?.spec?.volumeName, 'right');
});

test('no match and no class: Pending with FailedBinding', async () => {
  const fx = fixture({ claims: [claim('data', { resources: { requests: { storage: '10Gi' } } })], volumes: [volume('small', '1Gi')] });
  const result = await fx.controller.sync('claim:ns/data');
  assert.ok(result && 'requeueAfter' in result);
  assert.equal(fx.claims.get('ns', 'data')?.status?.phase, 'Pending');
  assert.deepEqual(fx.events, ['Normal FailedBinding no persistent volumes available for this claim and no storage class is set']);
});

const localPath: StorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path' },
  provisioner: 'skiff.dev/local-path',
  volumeBindingMode: 'WaitForFirstConsumer',
  reclaimPolicy: 'Delete',
};

test('WaitForFirstConsumer: no binding and no provisioning before the scheduler picks a node', async () => {
  const fx = fixture({
    claims: [claim('data', { storageClassName: 'local-path' })],
    volumes: [volume('pv', '1Gi', { storageClassName: 'local-path' })],
    classes: [localPath],
  });
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.claims.get('ns', 'data')?.spec?.volumeName, undefined);
  assert.equal(fx.claims.get('ns', 'data')?.status?.phase, 'Pending');
  assert.deepEqual(fx.events, ['Normal WaitForFirstConsumer waiting for first consumer to be created before binding']);
});

test('WaitForFirstConsumer with a selected node: a static volume on that node binds, one pinned elsewhere does not', async () => {
  const pinned = (node: string) => ({
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
  });
  const fx = fixture({
    claims: [claim('data', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'node-b' })],
    volumes: [
      volume('on-a', '1Gi', { storageClassName: 'local-path', nodeAffinity: pinned('node-a') }),
      volume('on-b', '2Gi', { storageClassName: 'local-path', nodeAffinity: pinned('node-b') }),
    ],
    classes: [localPath],
  });
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.claims.get('ns', 'data')?.spec?.volumeName, 'on-b');
});

test('a selected node and no volume: the claim is handed to its class provisioner', async () => {
  const fx = fixture({ claims: [claim('data', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'node-b' })], classes: [localPath] });
  await fx.controller.sync('claim:ns/data');
  const ann = fx.claims.get('ns', 'data')?.metadata?.annotations ?? {};
  assert.equal(ann['volume.kubernetes.io/storage-provisioner'], 'skiff.dev/local-path');
  assert.equal(ann['volume.beta.kubernetes.io/storage-provisioner'], 'skiff.dev/local-path');
  assert.match(fx.events[0]!, /^Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'skiff.dev\/local-path'/);
});

test('a provisioned volume pre-bound to the claim (uid) is bound, even under WaitForFirstConsumer', async () => {
  const pv = volume('pvc-uid-data', '1Gi', { storageClassName: 'local-path', claimRef: { namespace: 'ns', name: 'data', uid: 'uid-data' } });
  const fx = fixture({
    claims: [claim('data', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'n' })],
    volumes: [pv],
    classes: [localPath],
  });
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.claims.get('ns', 'data')?.spec?.volumeName, 'pvc-uid-data');
  assert.equal(
    fx.volumes.get(undefined, 'pvc-uid-data')?.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'],
    undefined,
    'pre-bound, not bound by the controller',
  );
});

test('a claim pre-bound by volumeName to a too-small volume is refused with VolumeMismatch', async () => {
  const fx = fixture({ claims: [claim('data', { volumeName: 'tiny' })], volumes: [volume('tiny', '100Mi')] });
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.volumes.get(undefined, 'tiny')?.spec?.claimRef, undefined);
  assert.deepEqual(fx.events, ['Warning VolumeMismatch Cannot bind to requested volume "tiny": requested PV is too small']);
});

test('a bound claim whose volume vanished is Lost', async () => {
  const fx = fixture({ claims: [{ ...claim('data', { volumeName: 'gone' }, { 'pv.kubernetes.io/bind-completed': 'yes' }), status: { phase: 'Bound' } }] });
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.claims.get('ns', 'data')?.status?.phase, 'Lost');
  assert.deepEqual(fx.events, ['Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!']);
});

const released = (policy: string, annotations?: Record<string, string>): PersistentVolume => ({
  ...volume('pv', '1Gi', { persistentVolumeReclaimPolicy: policy, claimRef: { namespace: 'ns', name: 'data', uid: 'uid-old' } }),
  metadata: { name: 'pv', resourceVersion: '1', ...(annotations ? { annotations } : {}) },
  status: { phase: 'Bound' },
});

test('reclaim: Retain keeps a Released volume; Delete deletes one nobody provisioned; a provisioner deletes its own', async () => {
  let fx = fixture({ volumes: [released('Retain')] });
  await fx.controller.sync('volume:pv');
  assert.equal(fx.volumes.get(undefined, 'pv')?.status?.phase, 'Released');
  assert.ok(!fx.actions.some((a) => a.verb === 'delete'));

  fx = fixture({ volumes: [released('Delete')] });
  await fx.controller.sync('volume:pv');
  assert.deepEqual(
    fx.actions.filter((a) => a.verb === 'delete').map((a) => a.name),
    ['pv'],
  );

  fx = fixture({ volumes: [released('Delete', { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' })] });
  await fx.controller.sync('volume:pv');
  assert.equal(fx.volumes.get(undefined, 'pv')?.status?.phase, 'Released');
  assert.ok(!fx.actions.some((a) => a.verb === 'delete'));
});

test("a recreated claim of the same name does not inherit the old one's volume", async () => {
  const fx = fixture({ claims: [claim('data')], volumes: [released('Retain')] });
  await fx.controller.sync('volume:pv');
  assert.equal(fx.volumes.get(undefined, 'pv')?.status?.phase, 'Released');
  await fx.controller.sync('claim:ns/data');
  assert.equal(fx.claims.get('ns', 'data')?.spec?.volumeName, undefined, 'a Released volume is not Available');
});

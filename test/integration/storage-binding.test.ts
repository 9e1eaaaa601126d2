/**
 * Volume binding end to end on hollow nodes: a real etcd, apiserver, controller-manager and
 * scheduler. Static volumes bind to claims by class, size, access modes and selector; an
 * Immediate class binds at once and holds its pods back until then; Retain keeps a Released
 * volume; a claim without a class gets the default local-path class, waits for its first
 * consumer, and the scheduler writes the chosen node on it; a claim pre-bound to a smaller
 * volume is refused with 422.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Event, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass } from '@skiff/api';
import { ApiStatusError, type RestClient } from '@skiff/client';
import { eventually, startControlPlane, type ControlPlane, type TestCluster } from '../harness/index.ts';

// Ports 29700-29799 belong to this file: etcd 29700-29701, the apiserver 29790.
const BASE_PORT = 29700;
const API_PORT = 29790;
const NS = 'default';

const PVS = findResourceByKind('v1', 'PersistentVolume')!;
const PVCS = findResourceByKind('v1', 'PersistentVolumeClaim')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const CLASSES = findResourceByKind('storage.k8s.io/v1', 'StorageClass')!;
const EVENTS = findResourceByKind('v1', 'Event')!;

const volume = (name: string, size: string, spec: Partial<PersistentVolume['spec']> = {}, labels?: Record<string, string>): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/skiff-it-pv/${name}` }, ...spec },
});

const claim = (name: string, spec: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: NS },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

const podUsing = (name: string, claimName: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: {
    containers: [{ name: 'app', image: 'registry.local/app:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
  },
});

describe('PV/PVC binding and scheduler volume binding', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let cluster: TestCluster;
  let client: RestClient;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: API_PORT, kubeletProcesses: 1, kubelet: { count: 2 } });
    ({ cluster, client } = cp);
  });
  after(async () => {
    await cp?.stop();
  });

  const getClaim = (name: string) => client.get<PersistentVolumeClaim>(PVCS, NS, name);
  const getVolume = (name: string) => client.get<PersistentVolume>(PVS, undefined, name);
  const boundClaim = (name: string) =>
    eventually(async () => {
      const pvc = await getClaim(name);
      assert.equal(pvc.status?.phase, 'Bound', `claim ${name} is ${pvc.status?.phase}`);
      return pvc;
    }, 30_000);

  it('binds a claim to the smallest Available volume of its class, access modes and selector, both ways', async () => {
    await client.create(PVS, volume('manual-small', '1Gi', { storageClassName: 'manual' }, { tier: 'db' }));
    await client.create(PVS, volume('manual-big', '20Gi', { storageClassName: 'manual' }, { tier: 'db' }));
    await client.create(PVS, volume('manual-fit', '5Gi', { storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain' }, { tier: 'db' }));
    await client.create(PVS, volume('manual-web', '3Gi', { storageClassName: 'manual' }, { tier: 'web' }));
    await client.create(PVS, volume('manual-rox', '3Gi', { storageClassName: 'manual', accessModes: ['ReadOnlyMany'] }, { tier: 'db' }));
    await client.create(PVS, volume('other-class', '3Gi', { storageClassName: 'other' }, { tier: 'db' }));
    await client.create(
      PVCS,
      claim('db-data', { storageClassName: 'manual', resources: { requests: { storage: '2Gi' } }, selector: { matchLabels: { tier: 'db' } } }),
    );

    const pvc = await boundClaim('db-data');
    assert.equal(pvc.spec?.volumeName, 'manual-fit');
    assert.equal(pvc.status?.capacity?.storage, '5Gi');
    assert.deepEqual(pvc.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(pvc.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(pvc.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    const pv = await eventually(async () => {
      const v = await getVolume('manual-fit');
      assert.equal(v.status?.phase, 'Bound');
      return v;
    });
    assert.equal(pv.spec?.claimRef?.name, 'db-data');
    assert.equal(pv.spec?.claimRef?.uid, pvc.metadata?.uid);
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    await eventually(async () => assert.equal((await getVolume('manual-small')).status?.phase, 'Available'));
  });

  it('Retain keeps the volume Released when its claim is deleted', async () => {
    await client.delete(PVCS, NS, 'db-data');
    const pv = await eventually(async () => {
      const v = await getVolume('manual-fit');
      assert.equal(v.status?.phase, 'Released');
      return v;
    }, 30_000);
    assert.equal(pv.spec?.claimRef?.name, 'db-data', 'a Released volume keeps its claimRef for the administrator');
    // A new claim of the same name does not get the old data.
    await client.create(
      PVCS,
      claim('db-data', { storageClassName: 'manual', resources: { requests: { storage: '4Gi' } }, selector: { matchLabels: { tier: 'db' } } }),
    );
    assert.equal((await boundClaim('db-data')).spec?.volumeName, 'manual-big');
    assert.equal((await getVolume('manual-fit')).status?.phase, 'Released');
  });

  it('an Immediate class binds at once, and its pods wait until their claim is bound', async () => {
    await client.create<StorageClass>(CLASSES, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast' },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
    });
    await client.create(PVS, volume('fast-1', '1Gi', { storageClassName: 'fast' }));
    await client.create(PVCS, claim('fast-data', { storageClassName: 'fast' }));
    assert.equal((await boundClaim('fast-data')).spec?.volumeName, 'fast-1');

    await client.create(PVCS, claim('fast-late', { storageClassName: 'fast' }));
    await client.create(PODS, podUsing('waits-for-claim', 'fast-late'));
    await eventually(async () => {
      const pod = await client.get<Pod>(PODS, NS, 'waits-for-claim');
      const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      assert.equal(cond?.reason, 'Unschedulable');
      assert.equal(
        cond?.message,
        '0/2 nodes are available: 2 pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
      );
    }, 30_000);
    await client.create(PVS, volume('fast-2', '1Gi', { storageClassName: 'fast' }));
    await boundClaim('fast-late');
    await eventually(async () => assert.ok((await client.get<Pod>(PODS, NS, 'waits-for-claim')).spec?.nodeName), 30_000);
  });

  it('a pod whose claim does not exist is unschedulable, saying which claim', async () => {
    await client.create(PODS, podUsing('no-claim', 'nope'));
    await eventually(async () => {
      const pod = await client.get<Pod>(PODS, NS, 'no-claim');
      const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      assert.equal(
        cond?.message,
        '0/2 nodes are available: 2 persistentvolumeclaim "nope" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
      );
    }, 30_000);
  });

  it('a claim without a class gets the default local-path class, waits for its first consumer, and the scheduler names the node', async () => {
    const sc = await client.get<StorageClass>(CLASSES, undefined, 'local-path');
    assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
    const created = await client.create(PVCS, claim('web-data'));
    assert.equal(created.spec?.storageClassName, 'local-path');
    await eventually(async () => {
      const events = (await client.list<Event>(EVENTS, NS, { fieldSelector: 'involvedObject.name=web-data' })).items;
      assert.ok(events.some((e) => e.reason === 'WaitForFirstConsumer' && e.message === 'waiting for first consumer to be created before binding'));
    }, 30_000);
    assert.equal((await getClaim('web-data')).metadata?.annotations?.['volume.kubernetes.io/selected-node'], undefined);

    await client.create(PODS, podUsing('web', 'web-data'));
    const pod = await eventually(async () => {
      const p = await client.get<Pod>(PODS, NS, 'web');
      assert.ok(p.spec?.nodeName, 'scheduled');
      return p;
    }, 30_000);
    const pvc = await eventually(async () => {
      const c = await getClaim('web-data');
      assert.equal(c.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'skiff.dev/local-path');
      return c;
    }, 30_000);
    assert.equal(pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node'], pod.spec?.nodeName);
    assert.equal(pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'skiff.dev/local-path');
    assert.equal(pvc.status?.phase, 'Pending', 'no provisioner runs in this suite');
  });

  it('refuses a claim pre-bound to a volume smaller than its request with 422, and stores nothing', async () => {
    await client.create(PVS, volume('tiny', '100Mi', { storageClassName: '' }));
    const refused = await eventually(async () => {
      try {
        await client.create(PVCS, claim('too-big', { storageClassName: '', volumeName: 'tiny', resources: { requests: { storage: '1Gi' } } }));
      } catch (err) {
        if (err instanceof ApiStatusError) return err;
        throw err;
      }
      // The apiserver had not seen the volume yet: take the claim back and try again.
      await client.delete(PVCS, NS, 'too-big');
      await eventually(async () =>
        assert.equal(
          await getClaim('too-big').then(
            () => 'exists',
            (e: ApiStatusError) => String(e.code),
          ),
          '404',
        ),
      );
      throw new Error('claim was accepted');
    }, 15_000);
    assert.equal(refused.code, 422);
    assert.equal(refused.reason, 'Invalid');
    assert.equal(refused.status.details?.causes?.[0]?.field, 'spec.resources.requests.storage');
    await assert.rejects(getClaim('too-big'), (err: ApiStatusError) => err.code === 404);
  });
});

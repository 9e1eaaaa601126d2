import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '@skiff/api';
import { InformerCache, type KubeObject } from '@skiff/client';
import { LocalPathProvisioner } from './provisioner.ts';
import { parseLocalPathFlags } from './config.ts';

const localPath: StorageClass = {
  metadata: { name: 'local-path' },
  provisioner: 'skiff.dev/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

const claim = (annotations: Record<string, string>, extra: Partial<PersistentVolumeClaim> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'app', uid: 'u1', resourceVersion: '7', annotations },
  spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
  status: { phase: 'Pending' },
  ...extra,
});

const handedToUs = { 'volume.kubernetes.io/storage-provisioner': 'skiff.dev/local-path', 'volume.kubernetes.io/selected-node': 'node-a' };

function fixture(t: { after(fn: () => void): void }, objs: { claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[] }) {
  const root = mkdtempSync(join(tmpdir(), 'local-path-test-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const claims = new InformerCache<PersistentVolumeClaim>();
  const volumes = new InformerCache<PersistentVolume>();
  const classes = new InformerCache<StorageClass>();
  classes.upsert(localPath);
  for (const c of objs.claims ?? []) claims.upsert(c);
  for (const v of objs.volumes ?? []) volumes.upsert(v);
  const created: PersistentVolume[] = [];
  const deleted: string[] = [];
  const events: string[] = [];
  const client = {
    async create<T extends KubeObject>(_res: unknown, obj: T): Promise<T> {
      created.push(obj as PersistentVolume);
      return obj;
    },
    async delete(_res: unknown, _ns: unknown, name: string) {
      deleted.push(name);
      return { kind: 'Status' };
    },
  };
  const provisioner = new LocalPathProvisioner({
    client: client as never,
    claims,
    volumes,
    classes,
    nodeName: 'node-a',
    storageRoot: root,
    recorder: { event: (_o, type, reason, message) => void events.push(`${type} ${reason} ${message}`) },
  });
  return { root, provisioner, created, deleted, events };
}

test('a claim handed to local-path and placed on this node gets a 0777 directory and a pre-bound PV pinned here', async (t) => {
  const fx = fixture(t, { claims: [claim(handedToUs)] });
  await fx.provisioner.sync('claim:app/data');
  const dir = join(fx.root, 'pvc-u1_app_data');
  assert.equal(statSync(dir).mode & 0o777, 0o777);
  assert.equal(fx.created.length, 1);
  const pv = fx.created[0]!;
  assert.equal(pv.metadata?.name, 'pvc-u1');
  assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'skiff.dev/local-path');
  assert.deepEqual(pv.spec?.hostPath, { path: dir, type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec?.capacity, { storage: '2Gi' });
  assert.deepEqual(pv.spec?.accessModes, ['ReadWriteOnce']);
  assert.equal(pv.spec?.storageClassName, 'local-path');
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(pv.spec?.claimRef, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'app', name: 'data', uid: 'u1', resourceVersion: '7' });
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
    { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] },
  ]);
  assert.deepEqual(
    fx.events.map((e) => e.split(' ').slice(0, 2).join(' ')),
    ['Normal Provisioning', 'Normal ProvisioningSucceeded'],
  );
});

test('claims that are not ours to provision are left alone', async (t) => {
  const cases: [string, PersistentVolumeClaim][] = [
    ['another node', claim({ ...handedToUs, 'volume.kubernetes.io/selected-node': 'node-b' })],
    ['another provisioner', claim({ ...handedToUs, 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs' })],
    ['not handed over yet', claim({ 'volume.kubernetes.io/selected-node': 'node-a' })],
    ['already bound', claim(handedToUs, { spec: { volumeName: 'pv-x', storageClassName: 'local-path' } })],
  ];
  for (const [name, c] of cases) {
    const fx = fixture(t, { claims: [c] });
    await fx.provisioner.sync('claim:app/data');
    assert.equal(fx.created.length, 0, name);
    assert.ok(!existsSync(join(fx.root, 'pvc-u1_app_data')), name);
  }
});

const ourVolume = (path: string, phase: string, policy = 'Delete', node = 'node-a'): PersistentVolume => ({
  metadata: { name: 'pvc-u1', annotations: { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' } },
  spec: {
    hostPath: { path },
    persistentVolumeReclaimPolicy: policy,
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  },
  status: { phase },
});

/** A provisioner for node-a over `root` whose cache holds `volume`; `deleted` lists the PVs it deleted. */
function provisionerWith(root: string, volume: PersistentVolume) {
  const deleted: string[] = [];
  const volumes = new InformerCache<PersistentVolume>();
  volumes.upsert(volume);
  const client = {
    create: async () => ({}),
    delete: async (_r: unknown, _n: unknown, name: string) => {
      deleted.push(name);
      return {};
    },
  };
  const provisioner = new LocalPathProvisioner({
    client: client as never,
    claims: new InformerCache(),
    volumes,
    classes: new InformerCache(),
    nodeName: 'node-a',
    storageRoot: root,
    recorder: { event() {} },
  });
  return { provisioner, deleted };
}

test('a Released Delete volume of ours on this node: the directory goes, then the PV', async (t) => {
  const { root } = fixture(t, {});
  const dir = join(root, 'pvc-u1_app_data');
  mkdirSync(dir);
  writeFileSync(join(dir, 'file'), 'data');
  const { provisioner, deleted } = provisionerWith(root, ourVolume(dir, 'Released'));
  await provisioner.sync('volume:pvc-u1');
  assert.ok(!existsSync(dir));
  assert.deepEqual(deleted, ['pvc-u1']);
});

test('Bound, Retain, another node, or a path outside the root: nothing is deleted', async (t) => {
  const { root } = fixture(t, {});
  const dir = join(root, 'pvc-u1_app_data');
  mkdirSync(dir);
  for (const volume of [
    ourVolume(dir, 'Bound'),
    ourVolume(dir, 'Released', 'Retain'),
    ourVolume(dir, 'Released', 'Delete', 'node-b'),
    ourVolume(root, 'Released'),
    ourVolume('/etc', 'Released'),
  ]) {
    const { provisioner, deleted } = provisionerWith(root, volume);
    await provisioner.sync('volume:pvc-u1');
    assert.deepEqual(deleted, [], JSON.stringify(volume.spec?.hostPath));
  }
  assert.ok(existsSync(dir));
  assert.ok(existsSync('/etc'));
});

test('flags: --storage-root defaults to $SKIFF_HOME/storage and must be absolute', () => {
  const config = parseLocalPathFlags(['--kubeconfig=/k', '--node-name=n1'], { SKIFF_HOME: '/srv/skiff' });
  assert.equal(config.storageRoot, '/srv/skiff/storage');
  assert.equal(parseLocalPathFlags(['--kubeconfig=/k', '--node-name=n1', '--storage-root=/data'], {}).storageRoot, '/data');
  assert.throws(() => parseLocalPathFlags(['--kubeconfig=/k', '--node-name=n1', '--storage-root=data'], {}), /absolute/);
  assert.throws(() => parseLocalPathFlags(['--kubeconfig=/k'], {}), /node-name/);
});

/**
 * Garbage collection through ownerReferences — background, foreground and orphan
 * propagation of a Deployment's deletion — and namespace deletion emptying a namespace
 * until it disappears, driven by kubectl 1.20 and the newest kubectl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type ConfigMap, type Deployment, type Namespace, type Pod, type ReplicaSet, type Service } from '@skiff/api';
import { isNotFound } from '@skiff/client';
import { eventually, kubectl, kubectlBinaries, startControlPlane, type ControlPlane } from '../harness/index.ts';

// Ports 24730-24731 (etcd) and 24830 (apiserver) belong to this file.
const BASE_PORT = 24730;

const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const REPLICASETS = findResourceByKind('apps/v1', 'ReplicaSet')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const CONFIGMAPS = findResourceByKind('v1', 'ConfigMap')!;
const SERVICES = findResourceByKind('v1', 'Service')!;

const deployment = (ns: string, name: string, replicas = 2): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.local/app:1' }] } },
  },
});

describe('garbage collection and namespace deletion', { timeout: 150_000 }, () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, kubeletProcesses: 2 });
  });
  after(async () => {
    await cp?.stop();
  });

  const children = async (ns: string, app: string) => ({
    sets: (await cp.client.list<ReplicaSet>(REPLICASETS, ns, { labelSelector: `app=${app}` })).items,
    pods: (await cp.client.list<Pod>(PODS, ns, { labelSelector: `app=${app}` })).items,
  });

  const deployAndWait = async (ns: string, name: string) => {
    await cp.client.create(DEPLOYMENTS, deployment(ns, name));
    return eventually(async () => {
      const c = await children(ns, name);
      assert.equal(c.sets.length, 1);
      assert.equal(c.pods.length, 2);
      assert.ok(c.pods.every((p) => p.status?.phase === 'Running'));
      return c;
    }, 45_000);
  };

  const gone = (get: () => Promise<unknown>) => assert.rejects(get(), (err: unknown) => isNotFound(err));

  it('background propagation: deleting a Deployment removes its ReplicaSets and pods', async () => {
    await deployAndWait('default', 'bg');
    await cp.client.delete(DEPLOYMENTS, 'default', 'bg', { propagationPolicy: 'Background' });
    await gone(() => cp.client.get(DEPLOYMENTS, 'default', 'bg'));
    await eventually(async () => {
      const c = await children('default', 'bg');
      assert.equal(c.sets.length, 0, 'ReplicaSets collected');
      assert.equal(c.pods.length, 0, 'pods collected');
    }, 30_000);
  });

  it('foreground propagation: the Deployment waits, finalized, until its dependents are gone', async () => {
    await deployAndWait('default', 'fg');
    await cp.client.delete(DEPLOYMENTS, 'default', 'fg', { propagationPolicy: 'Foreground' });
    // Right after the DELETE the owner still exists, marked for deletion with the foreground finalizer.
    const marked = await cp.client.get<Deployment>(DEPLOYMENTS, 'default', 'fg').catch(() => undefined);
    if (marked) {
      assert.ok(marked.metadata?.deletionTimestamp, 'deletionTimestamp set');
      assert.ok(marked.metadata?.finalizers?.includes('foregroundDeletion'), `finalizers: ${marked.metadata?.finalizers}`);
    }
    await eventually(async () => {
      const c = await children('default', 'fg');
      const owner = await cp.client.get<Deployment>(DEPLOYMENTS, 'default', 'fg').catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
      // Foreground: never an owner gone while a blocking dependent is still there.
      if (!owner) assert.equal(c.sets.filter((rs) => !rs.metadata?.deletionTimestamp).length, 0, 'owner gone only after its ReplicaSets');
      assert.equal(owner, undefined, 'the Deployment is finally deleted');
      assert.equal(c.sets.length, 0);
      assert.equal(c.pods.length, 0);
    }, 30_000);
    assert.ok(marked, 'the Deployment was still there, finalizing, right after the DELETE');
  });

  it('orphan propagation: the ReplicaSet and pods stay, without the owner reference', async () => {
    const before_ = await deployAndWait('default', 'orphan');
    await cp.client.delete(DEPLOYMENTS, 'default', 'orphan', { propagationPolicy: 'Orphan' });
    await eventually(() => gone(() => cp.client.get(DEPLOYMENTS, 'default', 'orphan')), 20_000);
    await eventually(async () => {
      const c = await children('default', 'orphan');
      assert.equal(c.sets.length, 1);
      assert.equal(c.sets[0].metadata?.uid, before_.sets[0].metadata?.uid, 'the same ReplicaSet');
      assert.deepEqual(c.sets[0].metadata?.ownerReferences ?? [], [], 'its owner reference is removed');
      assert.equal(c.pods.length, 2, 'the pods stay');
    }, 20_000);
    // Still owned by (and managed by) the orphaned ReplicaSet: a deleted pod is recreated.
    const c = await children('default', 'orphan');
    await cp.client.delete(PODS, 'default', c.pods[0].metadata!.name!);
    await eventually(async () => {
      const again = await children('default', 'orphan');
      assert.equal(again.pods.filter((p) => !p.metadata?.deletionTimestamp).length, 2);
    }, 30_000);
  });

  it('deleting a namespace empties it, then removes it (kubectl delete ns with each kubectl)', async () => {
    const binaries = await kubectlBinaries();
    for (const bin of binaries) {
      const ns = `doomed-${bin.name.replace(/[^a-z0-9]/g, '')}`;
      await cp.client.create<Namespace>(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await deployAndWait(ns, 'web');
      await cp.client.create<ConfigMap>(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { a: '1' } });
      await cp.client.create<Service>(SERVICES, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: ns },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      });
      const res = await kubectl(bin, ['delete', 'namespace', ns, '--timeout=60s'], { kubeconfig: cp.cluster.kubeconfigPath, timeoutMs: 90_000 });
      assert.equal(res.code, 0, `${bin.name} delete namespace: ${res.stderr}${res.stdout}`);
      assert.match(res.stdout, new RegExp(`namespace "${ns}" deleted`));
      // kubectl waits for the deletion to finish, so the namespace is gone by now.
      await gone(() => cp.client.get(NAMESPACES, undefined, ns));
      for (const res_ of [PODS, REPLICASETS, DEPLOYMENTS, CONFIGMAPS, SERVICES]) {
        const left = (await cp.client.list(res_, ns)).items;
        assert.equal(left.length, 0, `${res_.resource} left in ${ns}: ${left.map((o) => o.metadata?.name).join(', ')}`);
      }
    }
  });
});

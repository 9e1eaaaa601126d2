/**
 * A StatefulSet on hollow nodes with the real apiserver, controller-manager and scheduler:
 * ordinal pods created one by one, each after its predecessor is Ready; stable names,
 * hostname and subdomain; a claim per pod from volumeClaimTemplates, kept on scale-down;
 * scale-down from the highest ordinal; a rolling update in reverse ordinal order that
 * honours the partition; ControllerRevisions; `kubectl rollout status/history`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type ControllerRevision, type PersistentVolumeClaim, type Pod, type StatefulSet } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import {
  eventually,
  startControlPlane,
  type ControlPlane,
  kubectl,
  KUBECTL_120_PATH,
  openWatch,
  type StreamedEvent,
  type TestCluster,
} from '../harness/index.ts';

// Ports 29300-29301 (etcd) and 29310 (apiserver) belong to this file.
const BASE_PORT = 29300;
const API_PORT = 29310;
const NS = 'default';

const STATEFULSETS = findResourceByKind('apps/v1', 'StatefulSet')!;
const REVISIONS = findResourceByKind('apps/v1', 'ControllerRevision')!;
const CLAIMS = findResourceByKind('v1', 'PersistentVolumeClaim')!;
const PODS = findResourceByKind('v1', 'Pod')!;

const readyCondition = (pod: Pod) => pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
const imageOf = (pod: Pod) => pod.spec?.containers[0]?.image;

function statefulSet(replicas: number): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'registry.local/web:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  };
}

describe('StatefulSet on hollow nodes', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let cluster: TestCluster;
  let client: RestClient;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: API_PORT, kubeletProcesses: 1, kubelet: { count: 3 } });
    ({ cluster, client } = cp);
  });
  after(async () => {
    await cp?.stop();
  });

  const pods = async () => (await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const podNames = async () => (await pods()).map((p) => p.metadata?.name).sort();
  const run = async (args: string[]) => {
    const res = await kubectl(KUBECTL_120_PATH, args, { kubeconfig: cluster.kubeconfigPath, timeoutMs: 90_000 });
    assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}${res.stdout}`);
    return res.stdout;
  };

  it('creates web-0, web-1, web-2 in order, each once its predecessor is Ready, with stable identity and a claim each', async () => {
    await client.create(STATEFULSETS, statefulSet(3));
    const ready = await eventually(async () => {
      const ps = await pods();
      assert.equal(ps.length, 3);
      assert.ok(
        ps.every((p) => p.status?.phase === 'Running' && readyCondition(p)),
        'all Running and Ready',
      );
      return new Map(ps.map((p) => [p.metadata!.name!, p]));
    }, 90_000);
    for (const i of [1, 2]) {
      const pod = ready.get(`web-${i}`)!;
      const previousReady = Date.parse(readyCondition(ready.get(`web-${i - 1}`)!)!.lastTransitionTime!);
      assert.ok(Date.parse(pod.metadata!.creationTimestamp!) >= previousReady, `web-${i} was created after web-${i - 1} became Ready`);
    }
    for (const [name, pod] of ready) {
      const i = name.slice('web-'.length);
      assert.equal(pod.spec?.hostname, name);
      assert.equal(pod.spec?.subdomain, 'nginx');
      assert.equal(pod.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], name);
      assert.equal(pod.metadata?.labels?.['apps.kubernetes.io/pod-index'], i);
      assert.ok(pod.metadata?.labels?.['controller-revision-hash']?.startsWith('web-'));
      assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
      assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: `www-web-${i}` });
    }
    const claims = (await client.list<PersistentVolumeClaim>(CLAIMS, NS)).items;
    assert.deepEqual(claims.map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
    assert.ok(
      claims.every((c) => c.metadata?.labels?.app === 'web'),
      'claims carry the selector labels',
    );
    const sts = await eventually(async () => {
      const s = await client.get<StatefulSet>(STATEFULSETS, NS, 'web');
      assert.equal(s.status?.readyReplicas, 3);
      assert.equal(s.status?.currentReplicas, 3);
      assert.equal(s.status?.observedGeneration, s.metadata?.generation);
      return s;
    }, 30_000);
    const revisions = (await client.list<ControllerRevision>(REVISIONS, NS)).items;
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0].metadata?.name, sts.status?.currentRevision);
    assert.equal(revisions[0].revision, 1);
    assert.equal((revisions[0].data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
    assert.match(await run(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /rolling update complete|roll out complete/);
  });

  it('scales down from the highest ordinal, one at a time, and keeps the claims', async () => {
    const list = await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' });
    const watch = await openWatch(
      cluster.admin,
      `/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=${list.metadata?.resourceVersion}`,
    );
    try {
      await client.patch(STATEFULSETS, NS, 'web', 'merge', { spec: { replicas: 1 } });
      await eventually(async () => assert.deepEqual(await podNames(), ['web-0']), 60_000);
      await watch.waitFor((events) => deletedOrder(events).length === 2, 30_000);
      const marked = terminatingOrder(watch.events);
      assert.deepEqual(marked.slice(0, 1), ['web-2'], 'web-2 is deleted first');
      // web-1 is only marked for deletion once web-2 is gone.
      const gone2 = watch.events.findIndex((e) => e.type === 'DELETED' && e.object.metadata.name === 'web-2');
      const marked1 = watch.events.findIndex((e) => e.object.metadata.name === 'web-1' && e.object.metadata.deletionTimestamp);
      assert.ok(gone2 >= 0 && marked1 > gone2, 'web-1 waits for web-2 to terminate');
    } finally {
      watch.close();
    }
    const claims = (await client.list<PersistentVolumeClaim>(CLAIMS, NS)).items;
    assert.deepEqual(claims.map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2'], 'claims are retained');
  });

  it('scales back up reusing the claims, then rolls an update in reverse order down to the partition', async () => {
    await client.patch(STATEFULSETS, NS, 'web', 'merge', { spec: { replicas: 3 } });
    await eventually(async () => {
      const ps = await pods();
      assert.equal(ps.length, 3);
      assert.ok(ps.every((p) => readyCondition(p)));
    }, 90_000);
    assert.equal((await client.list(CLAIMS, NS)).items.length, 3, 'no new claims');

    const list = await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' });
    const watch = await openWatch(
      cluster.admin,
      `/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=${list.metadata?.resourceVersion}`,
    );
    try {
      await client.patch(STATEFULSETS, NS, 'web', 'merge', {
        spec: {
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
          template: { spec: { containers: [{ name: 'web', image: 'registry.local/web:2' }] } },
        },
      });
      await eventually(async () => {
        const byName = new Map((await pods()).map((p) => [p.metadata!.name!, p]));
        assert.equal(imageOf(byName.get('web-2')!), 'registry.local/web:2');
        assert.equal(imageOf(byName.get('web-1')!), 'registry.local/web:2');
        assert.ok(readyCondition(byName.get('web-1')!) && readyCondition(byName.get('web-2')!));
        const s = await client.get<StatefulSet>(STATEFULSETS, NS, 'web');
        assert.equal(s.status?.updatedReplicas, 2);
        assert.equal(s.status?.readyReplicas, 3);
      }, 90_000);
      assert.deepEqual(terminatingOrder(watch.events), ['web-2', 'web-1'], 'reverse ordinal order, web-0 spared by the partition');
    } finally {
      watch.close();
    }
    const web0 = (await pods()).find((p) => p.metadata?.name === 'web-0')!;
    assert.equal(imageOf(web0), 'registry.local/web:1', 'below the partition: untouched');
    const s = await client.get<StatefulSet>(STATEFULSETS, NS, 'web');
    assert.notEqual(s.status?.currentRevision, s.status?.updateRevision, 'partitioned: not complete');
    assert.match(await run(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 2 new pods have been updated/);

    await client.patch(STATEFULSETS, NS, 'web', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await eventually(async () => {
      const fresh = await client.get<StatefulSet>(STATEFULSETS, NS, 'web');
      assert.equal(fresh.status?.currentRevision, fresh.status?.updateRevision);
      assert.equal(fresh.status?.updatedReplicas, 3);
      assert.ok((await pods()).every((p) => imageOf(p) === 'registry.local/web:2'));
    }, 90_000);
    const revisions = (await client.list<ControllerRevision>(REVISIONS, NS)).items.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    assert.deepEqual(
      revisions.map((r) => r.revision),
      [1, 2],
    );
    // kubectl 1.20 reports any set with rollingUpdate.partition as a partitioned roll-out.
    assert.match(await run(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated/);
  });

  it('kubectl rollout history lists the revisions and rollout undo goes back to the previous template', async () => {
    assert.match(await run(['rollout', 'history', 'statefulset/web']), /REVISION[\s\S]*\n1 [\s\S]*\n2 /);
    assert.match(await run(['rollout', 'history', 'statefulset/web', '--revision=1']), /registry\.local\/web:1/);
    await run(['rollout', 'undo', 'statefulset/web']);
    await eventually(async () => {
      const s = await client.get<StatefulSet>(STATEFULSETS, NS, 'web');
      assert.equal(s.spec?.template?.spec?.containers[0].image, 'registry.local/web:1');
      assert.equal(s.status?.currentRevision, s.status?.updateRevision);
      assert.equal(s.status?.updatedReplicas, 3);
      assert.ok((await pods()).every((p) => imageOf(p) === 'registry.local/web:1' && readyCondition(p)));
    }, 90_000);
    // Going back reuses revision 1's data, renumbered as the newest.
    const revisions = (await client.list<ControllerRevision>(REVISIONS, NS)).items.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    assert.deepEqual(
      revisions.map((r) => r.revision),
      [2, 3],
    );
  });
});

/** Pod names in the order the watch first saw them marked for deletion. */
function terminatingOrder(events: readonly StreamedEvent[]): string[] {
  const order: string[] = [];
  for (const e of events) {
    const name = e.object?.metadata?.name;
    if ((e.object?.metadata?.deletionTimestamp || e.type === 'DELETED') && !order.includes(name)) order.push(name);
  }
  return order;
}

function deletedOrder(events: readonly StreamedEvent[]): string[] {
  return events.filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.name);
}

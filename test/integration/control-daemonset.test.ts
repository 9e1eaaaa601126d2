/**
 * A DaemonSet on hollow nodes with the real apiserver, controller-manager and scheduler:
 * one pod per node, bound by the scheduler; a nodeSelector followed as node labels change;
 * a rolling update to a new image; tolerations for a tainted node; a cordoned node keeps
 * (and gets) its daemon pod; `kubectl rollout status/history` on it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type ControllerRevision, type DaemonSet, type Node, type Pod } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { eventually, startControlPlane, type ControlPlane, kubectl, KUBECTL_120_PATH, openWatch, type TestCluster } from '../harness/index.ts';

// Ports 29320-29321 (etcd) and 29330 (apiserver) belong to this file.
const BASE_PORT = 29320;
const API_PORT = 29330;
const NS = 'default';
const NODES = ['hollow-a-0', 'hollow-a-1', 'hollow-a-2'];

const DAEMONSETS = findResourceByKind('apps/v1', 'DaemonSet')!;
const REVISIONS = findResourceByKind('apps/v1', 'ControllerRevision')!;
const NODE_RESOURCE = findResourceByKind('v1', 'Node')!;
const PODS = findResourceByKind('v1', 'Pod')!;

const isReady = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function daemonSet(name: string, opts: { nodeSelector?: Record<string, string> } = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, image: `registry.local/${name}:1`, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
        },
      },
    },
  };
}

describe('DaemonSet on hollow nodes', { timeout: 240_000 }, () => {
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

  /** Running pods of the set, as sorted "node=image". */
  const placement = async (app: string) =>
    (await client.list<Pod>(PODS, NS, { labelSelector: `app=${app}` })).items
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => `${p.spec?.nodeName ?? '(unbound)'}=${p.spec?.containers[0]?.image}`)
      .sort();
  const allReady = async (app: string) => {
    const ps = (await client.list<Pod>(PODS, NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.ok(
      ps.every((p) => p.status?.phase === 'Running' && isReady(p)),
      'all Running and Ready',
    );
  };
  const run = async (args: string[]) => {
    const res = await kubectl(KUBECTL_120_PATH, args, { kubeconfig: cluster.kubeconfigPath, timeoutMs: 90_000 });
    assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}${res.stdout}`);
    return res.stdout;
  };
  const patchNode = (name: string, patch: unknown) => client.patch<Node>(NODE_RESOURCE, undefined, name, 'merge', patch);

  it('runs one Ready pod on every node, bound there by the scheduler', async () => {
    await client.create(DAEMONSETS, daemonSet('agent'));
    await eventually(async () => {
      assert.deepEqual(
        await placement('agent'),
        NODES.map((n) => `${n}=registry.local/agent:1`),
      );
      await allReady('agent');
      const ds = await client.get<DaemonSet>(DAEMONSETS, NS, 'agent');
      assert.equal(ds.status?.desiredNumberScheduled, 3);
      assert.equal(ds.status?.currentNumberScheduled, 3);
      assert.equal(ds.status?.numberReady, 3);
      assert.equal(ds.status?.numberAvailable, 3);
      assert.equal(ds.status?.updatedNumberScheduled, 3);
      assert.equal(ds.status?.observedGeneration, ds.metadata?.generation);
    }, 60_000);
    const pod = (await client.list<Pod>(PODS, NS, { labelSelector: 'app=agent' })).items[0];
    assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');
    assert.ok(pod.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    assert.match(await run(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /daemon set "agent" successfully rolled out/);
  });

  it('follows its nodeSelector as node labels change', async () => {
    await patchNode(NODES[0], { metadata: { labels: { disk: 'ssd' } } });
    await client.create(DAEMONSETS, daemonSet('ssd', { nodeSelector: { disk: 'ssd' } }));
    await eventually(async () => assert.deepEqual(await placement('ssd'), [`${NODES[0]}=registry.local/ssd:1`]), 60_000);
    await patchNode(NODES[1], { metadata: { labels: { disk: 'ssd' } } });
    await patchNode(NODES[0], { metadata: { labels: { disk: null } } });
    await eventually(async () => assert.deepEqual(await placement('ssd'), [`${NODES[1]}=registry.local/ssd:1`]), 60_000);
  });

  it('rolls to a new image, one node at a time, and keeps its revisions', async () => {
    const list = await client.list<Pod>(PODS, NS, { labelSelector: 'app=agent' });
    const watch = await openWatch(
      cluster.admin,
      `/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Dagent&resourceVersion=${list.metadata?.resourceVersion}`,
    );
    try {
      await client.patch(DAEMONSETS, NS, 'agent', 'merge', {
        spec: { template: { spec: { containers: [{ name: 'agent', image: 'registry.local/agent:2' }] } } },
      });
      await eventually(async () => {
        assert.deepEqual(
          await placement('agent'),
          NODES.map((n) => `${n}=registry.local/agent:2`),
        );
        await allReady('agent');
      }, 90_000);
      // maxUnavailable 1: at every moment at least 2 of the 3 nodes had a Ready pod.
      const pods = new Map(list.items.map((p) => [p.metadata!.name!, p]));
      let fewest = Number.POSITIVE_INFINITY;
      for (const e of watch.events) {
        if (e.type === 'DELETED') pods.delete(e.object.metadata.name);
        else pods.set(e.object.metadata.name, e.object);
        const readyNodes = new Set([...pods.values()].filter((p) => isReady(p) && !p.metadata?.deletionTimestamp).map((p) => p.spec?.nodeName));
        fewest = Math.min(fewest, readyNodes.size);
      }
      assert.equal(fewest, 2, 'one node at a time');
    } finally {
      watch.close();
    }
    assert.match(await run(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /successfully rolled out/);
    const revisions = (await client.list<ControllerRevision>(REVISIONS, NS, { labelSelector: 'app=agent' })).items;
    assert.deepEqual(revisions.map((r) => r.revision).sort(), [1, 2]);
    for (const r of revisions) assert.equal(r.metadata?.name, `agent-${r.metadata?.labels?.['controller-revision-hash']}`);
    assert.match(await run(['rollout', 'history', 'daemonset/agent']), /REVISION[\s\S]*\n1 [\s\S]*\n2 /);
  });

  it('kubectl rollout undo goes back to the previous revision', async () => {
    await run(['rollout', 'undo', 'daemonset/agent']);
    await eventually(async () => {
      assert.deepEqual(
        await placement('agent'),
        NODES.map((n) => `${n}=registry.local/agent:1`),
      );
      await allReady('agent');
    }, 90_000);
    const revisions = (await client.list<ControllerRevision>(REVISIONS, NS, { labelSelector: 'app=agent' })).items;
    assert.deepEqual(revisions.map((r) => r.revision).sort(), [2, 3], 'revision 1 renumbered as the newest');
  });

  it('stays off a node with an untolerated NoSchedule taint until it tolerates it', async () => {
    await patchNode(NODES[2], { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
    await client.create(DAEMONSETS, daemonSet('tol'));
    await eventually(async () => assert.deepEqual(await placement('tol'), [`${NODES[0]}=registry.local/tol:1`, `${NODES[1]}=registry.local/tol:1`]), 60_000);
    await client.patch(DAEMONSETS, NS, 'tol', 'merge', {
      spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } } },
    });
    await eventually(async () => {
      assert.deepEqual(
        (await placement('tol')).map((p) => p.split('=')[0]),
        NODES,
      );
      await allReady('tol');
    }, 90_000);
    await patchNode(NODES[2], { spec: { taints: null } });
  });

  it('keeps running on a cordoned node, and a new DaemonSet still lands there', async () => {
    await patchNode(NODES[0], { spec: { unschedulable: true } });
    await client.create(DAEMONSETS, daemonSet('cordon'));
    await eventually(async () => {
      assert.deepEqual(
        await placement('cordon'),
        NODES.map((n) => `${n}=registry.local/cordon:1`),
      );
      await allReady('cordon');
      assert.equal((await placement('agent')).length, 3, 'existing daemon pods stay');
    }, 60_000);
  });
});

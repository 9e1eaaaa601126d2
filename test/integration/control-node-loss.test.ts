/**
 * A hollow node dies (its kubelet process is killed, so its Lease stops renewing): the
 * node-lifecycle controller marks it Ready=Unknown and taints it unreachable within the
 * grace period, its pods are evicted after their toleration and replaced on the other
 * nodes; when the kubelet comes back the taints go away.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Deployment, type Node, type Pod } from '@skiff/api';
import { eventually, startControlPlane, type ControlPlane } from '../harness/index.ts';

// Ports 24720-24721 (etcd) and 24820 (apiserver) belong to this file.
const BASE_PORT = 24720;
const NS = 'default';
const GRACE_S = 8;
const TOLERATION_S = 5;
/** The controller's monitor period, scheduling, and a loaded 2-core machine. */
const SLACK_S = 20;

const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const NODES = findResourceByKind('v1', 'Node')!;

const isReady = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const readyCondition = (node: Node) => node.status?.conditions?.find((c) => c.type === 'Ready');
const taintKeys = (node: Node) => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

describe('node loss on hollow nodes', { timeout: 150_000 }, () => {
  let cp: ControlPlane;
  let nodeNames: string[];

  before(async () => {
    cp = await startControlPlane({
      basePort: BASE_PORT,
      apiServerArgs: [`--default-unreachable-toleration-seconds=${TOLERATION_S}`, `--default-not-ready-toleration-seconds=${TOLERATION_S}`],
      controllerManagerArgs: [`--node-monitor-grace-period=${GRACE_S}`],
      // Renew well inside the short grace period, as the 10 s default does inside the 40 s one.
      kubelet: { args: ['--heartbeat-interval-ms=2000'] },
    });
    nodeNames = (await cp.client.list<Node>(NODES)).items.map((n) => n.metadata!.name!).sort();
  });
  after(async () => {
    await cp?.stop();
  });

  const activePods = async () => (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=survivor' })).items.filter((p) => !p.metadata?.deletionTimestamp);

  it('taints the silent node, evicts its pods, replaces them elsewhere and untaints it when it returns', async () => {
    await cp.client.create<Deployment>(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'survivor', namespace: NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'survivor' } },
        template: { metadata: { labels: { app: 'survivor' } }, spec: { containers: [{ name: 'app', image: 'registry.local/app:1' }] } },
      },
    });
    const placed = await eventually(async () => {
      const ps = await activePods();
      assert.equal(ps.length, 3);
      assert.ok(ps.every((p) => p.status?.phase === 'Running' && isReady(p)));
      return ps;
    }, 45_000);

    // The victim: the kubelet process of a node that runs at least one of the pods.
    const victimNode = placed[0].spec!.nodeName!;
    const victimIndex = cp.kubelets.findIndex((_, i) => victimNode.startsWith(cp.kubeletPrefix(i)));
    assert.ok(victimIndex >= 0, `${victimNode} belongs to one of ${nodeNames.join(', ')}`);
    const victimPods = placed.filter((p) => p.spec?.nodeName === victimNode).map((p) => p.metadata!.name!);

    const lostAt = Date.now();
    await cp.kubelets[victimIndex].kill();

    const tainted = await eventually(
      async () => {
        const node = await cp.client.get<Node>(NODES, undefined, victimNode);
        assert.equal(readyCondition(node)?.status, 'Unknown', `Ready of ${victimNode}: ${JSON.stringify(readyCondition(node))}`);
        assert.ok(taintKeys(node).includes('node.kubernetes.io/unreachable:NoExecute'), `taints: ${taintKeys(node).join(', ')}`);
        return node;
      },
      (GRACE_S + SLACK_S) * 1000,
      500,
    );
    const taintedAfterS = (Date.now() - lostAt) / 1000;
    assert.ok(taintedAfterS <= GRACE_S + SLACK_S, `tainted after ${taintedAfterS} s`);
    assert.ok(taintKeys(tainted).includes('node.kubernetes.io/unreachable:NoSchedule'), `taints: ${taintKeys(tainted).join(', ')}`);
    assert.match(readyCondition(tainted)?.reason ?? '', /NodeStatusUnknown/);

    // Its pods get evicted after their (defaulted) toleration and the ReplicaSet replaces them elsewhere.
    const replaced = await eventually(
      async () => {
        const ps = await activePods();
        const names = ps.map((p) => p.metadata!.name!);
        for (const gone of victimPods) assert.ok(!names.includes(gone), `${gone} was evicted`);
        assert.equal(ps.length, 3);
        for (const p of ps) {
          assert.notEqual(p.spec?.nodeName, victimNode);
          assert.equal(p.status?.phase, 'Running');
          assert.ok(isReady(p));
        }
        return ps;
      },
      (GRACE_S + TOLERATION_S + SLACK_S) * 1000,
      500,
    );
    const replacedAfterS = (Date.now() - lostAt) / 1000;
    assert.ok(replacedAfterS <= GRACE_S + TOLERATION_S + SLACK_S, `replaced after ${replacedAfterS} s`);
    assert.ok(new Set(replaced.map((p) => p.spec?.nodeName)).size >= 1);

    // Every pod carries the default NoExecute tolerations the apiserver adds, with the configured seconds.
    const tolerations = replaced[0].spec?.tolerations ?? [];
    for (const key of ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']) {
      const t = tolerations.find((x) => x.key === key);
      assert.equal(t?.effect, 'NoExecute', `${key} toleration: ${JSON.stringify(tolerations)}`);
      assert.equal(t?.tolerationSeconds, TOLERATION_S);
    }

    // The node comes back: Ready again, taints gone, and the evicted pods' deletion completes.
    await cp.kubelets[victimIndex].start();
    await eventually(
      async () => {
        const node = await cp.client.get<Node>(NODES, undefined, victimNode);
        assert.equal(readyCondition(node)?.status, 'True');
        assert.deepEqual(
          taintKeys(node).filter((k) => k.startsWith('node.kubernetes.io/unreachable') || k.startsWith('node.kubernetes.io/not-ready')),
          [],
        );
      },
      30_000,
      500,
    );
    await eventually(
      async () => {
        const all = (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=survivor' })).items;
        assert.equal(all.length, 3, `terminating pods are gone: ${all.map((p) => p.metadata?.name).join(', ')}`);
      },
      30_000,
      500,
    );
  });
});

/**
 * Hollow nodes live only in their kubelet process: a clean stop (SIGTERM, what `skiff down`
 * sends) takes them out of the cluster — their pods, Nodes and Leases — so a later `skiff up`
 * never offers pods to nodes that look Ready but are gone. A crash (SIGKILL) leaves them to the
 * node-lifecycle controller.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Lease, type Node, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { eventually, startHollowNodes, startTestCluster, waitForReadyNodes, type ComponentProcess, type TestCluster } from '../harness/index.ts';

// Ports 24780-24781 (etcd) and 24880 (apiserver) belong to this file.
const BASE_PORT = 24780;

const NODES = findResourceByKind('v1', 'Node')!;
const LEASES = findResourceByKind('coordination.k8s.io/v1', 'Lease')!;
const PODS = findResourceByKind('v1', 'Pod')!;

describe('hollow nodes on stop', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;
  const kubelets: ComponentProcess[] = [];

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
  });
  after(async () => {
    for (const k of kubelets) await k.kill();
    client?.close();
    await cluster?.stop();
  });

  const names = async (prefix: string, resource: typeof NODES, namespace?: string) =>
    (await client.list<Node | Lease>(resource, namespace)).items
      .map((o) => o.metadata!.name!)
      .filter((n) => n.startsWith(prefix))
      .sort();

  it('deregister on SIGTERM: pods, Nodes and Leases go; a killed process leaves its nodes', async () => {
    // At info even under ./skiff test's warn default: the test reads the deregistration line.
    kubelets.push(await startHollowNodes(cluster, { prefix: 'clean-', count: 3, args: ['--log-level=info'] }));
    kubelets.push(await startHollowNodes(cluster, { prefix: 'crash-', count: 1 }));
    await waitForReadyNodes(client, 4, 60_000);
    await eventually(async () => assert.deepEqual(await names('clean-', LEASES, 'kube-node-lease'), ['clean-0', 'clean-1', 'clean-2']), 30_000);
    // Bound by hand (no scheduler here): a pod whose only runtime is the process about to stop.
    await client.create<Pod>(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-clean', namespace: 'default' },
      spec: { nodeName: 'clean-1', containers: [{ name: 'app', image: 'registry.local/app:1' }] },
    });

    await kubelets[0]!.stop();
    assert.equal(kubelets[0]!.exitInfo, 'code 0');
    assert.deepEqual(await names('clean-', NODES), [], 'Nodes of the stopped process');
    assert.deepEqual(await names('clean-', LEASES, 'kube-node-lease'), [], 'Leases of the stopped process');
    assert.deepEqual(await names('on-clean', PODS, 'default'), [], 'its pod, which nothing runs any more');
    assert.match(kubelets[0]!.log(), /"deregistered":3/);

    await kubelets[1]!.kill();
    assert.deepEqual(await names('crash-', NODES), ['crash-0'], 'a crash cannot deregister: the controller handles it');
  });
});

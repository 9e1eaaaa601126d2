/**
 * The Eviction API (pods/eviction) and drain on a whole cluster: etcd, the apiserver, the
 * controller-manager (its disruption controller keeps the budgets' status), the scheduler and 3
 * hollow nodes. Evictions answer 201 / 429 / 409 / 500 as upstream's; upstream kubectl drain (1.20
 * and the newest) and Skiff's own drain evict through it, retry on 429 and never take an app below
 * its PodDisruptionBudget; DaemonSet pods stay with --ignore-daemonsets and stop the drain without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type DaemonSet, type Deployment, type Node, type Pod, type PodDisruptionBudget } from '@skiff/api';
import {
  apiRequest,
  eventually,
  kubectl,
  kubectlBinaries,
  openWatch,
  REPO_ROOT,
  startControlPlane,
  type ControlPlane,
  type KubectlResult,
} from '../harness/index.ts';

// Ports 20200-20201 (etcd) and 20250 (apiserver) belong to this file.
const BASE_PORT = 20200;
const PODS = findResourceByKind('v1', 'Pod')!;
const NODES = findResourceByKind('v1', 'Node')!;
const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const DAEMONSETS = findResourceByKind('apps/v1', 'DaemonSet')!;
const BUDGETS = findResourceByKind('policy/v1', 'PodDisruptionBudget')!;
const SKIFF_KUBECTL = `${REPO_ROOT}/apps/kubectl/src/main.ts`;
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

const labels = (app: string) => ({ app });
function deployment(app: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels(app) },
      template: { metadata: { labels: labels(app) }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}
const budget = (name: string, app: string): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'default' },
  spec: { minAvailable: 2, selector: { matchLabels: labels(app) } },
});
const eviction = (name: string, deleteOptions?: Record<string, unknown>) => ({
  apiVersion: 'policy/v1',
  kind: 'Eviction',
  metadata: { name, namespace: 'default' },
  ...(deleteOptions ? { deleteOptions } : {}),
});
const isReady = (p: Pod) => !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
const hasDisruptionTarget = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'DisruptionTarget') ?? false;

describe('pods/eviction and drain', { timeout: 150_000 }, () => {
  let cp: ControlPlane;
  let nodes: string[];
  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: BASE_PORT + 50 });
    nodes = (await cp.client.list<Node>(NODES)).items.map((n) => n.metadata!.name!).sort();
  });
  after(() => cp?.stop());

  const evict = (name: string, deleteOptions?: Record<string, unknown>, query = '') =>
    apiRequest(cp.cluster.admin, 'POST', `/api/v1/namespaces/default/pods/${name}/eviction${query}`, { body: eviction(name, deleteOptions) });
  const podsOf = async (app: string) => (await cp.client.list<Pod>(PODS, 'default', { labelSelector: `app=${app}` })).items;
  const readyPods = async (app: string) => (await podsOf(app)).filter(isReady);
  const setCordoned = (node: string, unschedulable: boolean) =>
    cp.client.patch(NODES, undefined, node, 'merge', { spec: { unschedulable: unschedulable || null } });
  /** Waits until `app` has `count` ready pods and its budget has seen them (disruptionsAllowed = count - 2). */
  const settled = (app: string, count: number) =>
    eventually(async () => {
      assert.equal((await readyPods(app)).length, count);
      const status = (await cp.client.get<PodDisruptionBudget>(BUDGETS, 'default', app)).status;
      assert.equal(status?.observedGeneration, 1);
      assert.equal(status?.disruptionsAllowed, count - 2);
    }, 30_000);

  it("evicts while the budget allows (201, DisruptionTarget, graceful delete), then 429 in upstream's words", async () => {
    await cp.client.create(DEPLOYMENTS, deployment('api', 3));
    await cp.client.create(BUDGETS, budget('api', 'api'));
    await settled('api', 3);
    // No node takes a replacement, so the budget stays spent while we look.
    for (const node of nodes) await setCordoned(node, true);
    const [first, second] = (await readyPods('api')).map((p) => p.metadata!.name!);
    const watch = await openWatch(cp.cluster.admin, `/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name=${first}`);
    try {
      const ok = await evict(first!);
      assert.equal(ok.status, 201, ok.body);
      assert.deepEqual(ok.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      await watch.waitFor((events) => events.some((e) => e.type === 'MODIFIED' && hasDisruptionTarget(e.object)));
      const marked = watch.events.map((e) => e.object as Pod).find(hasDisruptionTarget)!;
      const condition = marked.status!.conditions!.find((c) => c.type === 'DisruptionTarget');
      assert.deepEqual(
        { ...condition, lastTransitionTime: undefined },
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'EvictionByEvictionAPI',
          message: 'Eviction API: evicting',
          lastProbeTime: null,
          lastTransitionTime: undefined,
        },
      );
      await watch.waitFor((events) => events.some((e) => e.object.metadata?.deletionTimestamp && e.object.metadata?.deletionGracePeriodSeconds === 30));
    } finally {
      watch.close();
    }
    const spent = await cp.client.get<PodDisruptionBudget>(BUDGETS, 'default', 'api');
    assert.equal(spent.status?.disruptionsAllowed, 0);

    const refused = await evict(second!);
    assert.equal(refused.status, 429, refused.body);
    assert.deepEqual(refused.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: VIOLATION,
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget api needs 2 healthy pods and has 2 currently' }] },
      code: 429,
    });
    assert.equal(refused.headers['retry-after'], undefined);
    const untouched = await cp.client.get<Pod>(PODS, 'default', second!);
    assert.equal(hasDisruptionTarget(untouched), false);
    assert.equal(untouched.metadata?.deletionTimestamp, undefined);

    // Once a replacement is Ready the budget allows the next one.
    for (const node of nodes) await setCordoned(node, false);
    await eventually(async () => assert.equal((await evict(second!)).status, 201), 30_000, 500);
  });

  it('preconditions that do not hold are 409s and change nothing; dryRun writes nothing', async () => {
    const pod = (await cp.client.create(PODS, {
      metadata: { name: 'solo', namespace: 'default', labels: labels('solo') },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    })) as Pod;
    await eventually(async () => assert.ok(isReady(await cp.client.get<Pod>(PODS, 'default', 'solo'))), 20_000);
    const stale = await evict('solo', { preconditions: { uid: 'not-the-uid' } });
    assert.equal(stale.status, 409, stale.body);
    assert.equal(
      stale.json.message,
      `Operation cannot be fulfilled on Pod "solo": the UID in the precondition (not-the-uid) does not match the UID in record (${pod.metadata!.uid}). The object might have been deleted and then recreated`,
    );
    const moved = await evict('solo', { preconditions: { resourceVersion: '1' } });
    assert.equal(moved.status, 409, moved.body);
    assert.match(moved.json.message, /the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record/);

    await settled('api', 3);
    const before = await cp.client.get<PodDisruptionBudget>(BUDGETS, 'default', 'api');
    const target = (await readyPods('api'))[0]!.metadata!.name!;
    for (const [name, options, query] of [
      ['solo', undefined, '?dryRun=All'],
      [target, { dryRun: ['All'] }, ''],
    ] as const) {
      const dry = await evict(name, options, query);
      assert.equal(dry.status, 201, dry.body);
      const still = await cp.client.get<Pod>(PODS, 'default', name);
      assert.equal(still.metadata?.deletionTimestamp, undefined);
      assert.equal(hasDisruptionTarget(still), false);
    }
    const afterDry = await cp.client.get<PodDisruptionBudget>(BUDGETS, 'default', 'api');
    assert.equal(afterDry.metadata?.resourceVersion, before.metadata?.resourceVersion);
    await cp.client.delete(PODS, 'default', 'solo', { gracePeriodSeconds: 0 });
  });

  it("a pod under two budgets is a 500 with upstream's message", async () => {
    await cp.client.create(BUDGETS, budget('api-too', 'api'));
    try {
      const target = (await readyPods('api'))[0]!.metadata!.name!;
      const res = await evict(target);
      assert.equal(res.status, 500, res.body);
      assert.deepEqual(res.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      });
    } finally {
      await cp.client.delete(BUDGETS, 'default', 'api-too');
    }
  });

  describe('drain', () => {
    const drainers: Array<{ name: string; run(args: string[]): Promise<KubectlResult> }> = [];
    before(async () => {
      await cp.client.delete(DEPLOYMENTS, 'default', 'api');
      await cp.client.create(DEPLOYMENTS, deployment('web', 3));
      await cp.client.create(BUDGETS, budget('web', 'web'));
      await cp.client.create(DAEMONSETS, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: 'default' },
        spec: {
          selector: { matchLabels: labels('agent') },
          template: { metadata: { labels: labels('agent') }, spec: { containers: [{ name: 'a', image: 'busybox' }] } },
        },
      } as DaemonSet);
      for (const bin of await kubectlBinaries())
        drainers.push({ name: bin.name, run: (args) => kubectl(bin, args, { kubeconfig: cp.cluster.kubeconfigPath, timeoutMs: 90_000 }) });
      // Skiff's kubectl as a user runs it: node on its entry point.
      drainers.push({
        name: 'skiff kubectl',
        run: (args) => kubectl(process.execPath, [SKIFF_KUBECTL, `--kubeconfig=${cp.cluster.kubeconfigPath}`, ...args], { timeoutMs: 90_000 }),
      });
      await eventually(async () => assert.equal((await podsOf('agent')).filter(isReady).length, nodes.length), 30_000);
    });

    it("without --ignore-daemonsets, DaemonSet pods stop the drain with kubectl's error (exit 1)", async () => {
      const node = nodes[0]!;
      const agent = (await podsOf('agent')).find((p) => p.spec?.nodeName === node)!.metadata!.name;
      for (const drainer of drainers.filter((d) => d.name !== 'kubectl-1.20')) {
        const res = await drainer.run(['drain', node]);
        assert.equal(res.code, 1, `${drainer.name}: ${res.stderr}`);
        assert.equal(res.stdout, `node/${node} cordoned\n`, drainer.name);
        const refusal = `cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/${agent}`;
        assert.equal(
          res.stderr,
          `error: unable to drain node "${node}" due to error: ${refusal}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n${refusal}\n`,
          drainer.name,
        );
        await setCordoned(node, false);
      }
    });

    it('--dry-run=server checks the cordon and each eviction, changes nothing, and says what the newest kubectl says', async () => {
      const node = (await readyPods('web'))[0]!.spec!.nodeName!;
      const uids = async () =>
        (await podsOf('web'))
          .filter((p) => !p.metadata?.deletionTimestamp)
          .map((p) => p.metadata?.uid)
          .sort();
      const before = await uids();
      const outputs: string[][] = [];
      for (const drainer of drainers.filter((d) => d.name !== 'kubectl-1.20')) {
        const res = await drainer.run(['drain', node, '--ignore-daemonsets', '--dry-run=server']);
        assert.equal(res.code, 0, `${drainer.name}: ${res.stderr}`);
        assert.match(res.stdout, /^evicting pod default\/web-\S+ \(server dry run\)$/m);
        outputs.push(`${res.stdout}${res.stderr}`.split('\n').sort());
      }
      if (outputs.length === 2) assert.deepEqual(outputs[1], outputs[0]);
      assert.deepEqual(await uids(), before);
      assert.equal((await cp.client.get<Node>(NODES, undefined, node)).spec?.unschedulable, undefined);
    });

    for (const [i, name] of ['kubectl-1.20', 'kubectl-latest', 'skiff kubectl'].entries()) {
      it(`${name} drain evicts a node's 3 pods one budget step at a time, retrying 429s, never below 2 ready`, async (t) => {
        const drainer = drainers.find((d) => d.name === name);
        if (!drainer) return t.skip('no newer kubectl on PATH');
        const node = nodes[i % nodes.length]!;
        await gatherOn(node);
        let lowest = Number.POSITIVE_INFINITY;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            lowest = Math.min(lowest, (await readyPods('web')).length);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })();
        const res = await drainer.run(['drain', node, '--ignore-daemonsets', '--timeout=80s']).finally(() => (sampling = false));
        await sampler;
        assert.equal(res.code, 0, `${name}: ${res.stderr}`);
        assert.ok(lowest >= 2, `${name}: ready web pods fell to ${lowest}`);
        assert.match(
          res.stderr,
          /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.\n/,
        );
        assert.match(res.stdout, new RegExp(`^node/${node} cordoned$`, 'm'));
        assert.equal(res.stdout.match(/^evicting pod default\/web-/gm)!.length >= 3, true, res.stdout);
        assert.equal(res.stdout.match(/^pod\/web-\S+ evicted$/gm)?.length, 3, res.stdout);
        // kubectl 1.20 reuses the pods' printer for its last line and says "evicted"; later ones say "drained".
        assert.match(res.stdout, new RegExp(`node/${node} (drained|evicted)\n$`));
        const left = (await cp.client.list<Pod>(PODS, 'default', { fieldSelector: `spec.nodeName=${node}` })).items;
        assert.deepEqual(
          left.map((p) => p.metadata?.labels?.app),
          ['agent'],
          'the DaemonSet pod stays',
        );
        await setCordoned(node, false);
      });
    }

    /** All 3 web pods on `node` (the others cordoned while they are recreated), ready and counted by the budget. */
    async function gatherOn(node: string): Promise<void> {
      for (const other of nodes) await setCordoned(other, other !== node);
      for (const pod of await podsOf('web'))
        if (pod.spec?.nodeName !== node) await cp.client.delete(PODS, 'default', pod.metadata!.name!, { gracePeriodSeconds: 0 });
      await eventually(async () => {
        const pods = await readyPods('web');
        assert.deepEqual(
          pods.map((p) => p.spec?.nodeName),
          [node, node, node],
        );
      }, 30_000);
      await settled('web', 3);
      for (const other of nodes) if (other !== node) await setCordoned(other, false);
    }
  });
});

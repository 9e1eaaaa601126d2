/**
 * PodDisruptionBudgets on a real control plane (etcd, apiserver, controller-manager running the
 * deployment, replicaset and disruption controllers). No kubelet runs: the test plays the
 * kubelet and writes each pod's Ready condition itself, so it decides exactly which pods are
 * healthy. Proves the status counts for minAvailable as an integer and a percentage and for
 * maxUnavailable over a Deployment of 3, that they follow churn (unready pods, deleted and
 * replaced pods, scaling, disruptedPods entries), that bad budgets are refused with 422 and
 * causes and not stored, and that both kubectls create (newest) and list budgets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findResourceByKind, type Deployment, type Pod, type PodDisruptionBudget, type Status } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { eventually, kubectl, kubectlBinaries, REPO_ROOT, startControlPlane, tableHeader, tableRow, type ControlPlane } from '../harness/index.ts';

// Ports 20100-20101 (etcd) and 20150 (apiserver) belong to this file (range 20100-20199).
const BASE_PORT = 20100;
const NS = 'default';
const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const PDBS = findResourceByKind('policy/v1', 'PodDisruptionBudget')!;
const SKIFF_KUBECTL = join(REPO_ROOT, 'apps/kubectl/src/main.ts');

type Counts = [expectedPods: number, desiredHealthy: number, currentHealthy: number, disruptionsAllowed: number];

describe('PodDisruptionBudget API and the disruption controller', { timeout: 150_000 }, () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane({
      basePort: BASE_PORT,
      apiServerPort: BASE_PORT + 50,
      kubeletProcesses: 0,
      scheduler: false,
      controllerManagerArgs: ['--controllers=deployment,replicaset,disruption'],
    });
  });
  after(async () => {
    await cp?.stop();
  });

  const webPods = async () => (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);

  /** What a kubelet would write: the Ready condition, True or False. */
  const setReady = async (pod: Pod, ready: boolean) => {
    const status = ready ? 'True' : 'False';
    await cp.client.patch(
      PODS,
      NS,
      pod.metadata!.name!,
      'merge',
      {
        status: { phase: 'Running', conditions: [{ type: 'Ready', status, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] },
      },
      { subresource: 'status' },
    );
  };

  const counts = async (name: string): Promise<Counts> => {
    const s: Partial<NonNullable<PodDisruptionBudget['status']>> = (await cp.client.get<PodDisruptionBudget>(PDBS, NS, name)).status ?? {};
    return [s.expectedPods ?? -1, s.desiredHealthy ?? -1, s.currentHealthy ?? -1, s.disruptionsAllowed ?? -1];
  };
  const expectCounts = (want: Record<string, Counts>) =>
    eventually(async () => {
      for (const [name, c] of Object.entries(want)) assert.deepEqual(await counts(name), c, name);
    }, 20_000);

  const createBudget = (name: string, spec: PodDisruptionBudget['spec']) =>
    cp.client.create<PodDisruptionBudget>(PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec });

  it('counts a Deployment of 3 for minAvailable 2, minAvailable 100% and maxUnavailable 34%', async () => {
    await cp.client.create<Deployment>(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.local/web:1' }] } },
      },
    });
    const pods = await eventually(async () => {
      const ps = await webPods();
      assert.equal(ps.length, 3);
      return ps;
    }, 20_000);
    for (const pod of pods) await setReady(pod, true);
    const selector = { matchLabels: { app: 'web' } };
    await createBudget('min-int', { minAvailable: 2, selector });
    await createBudget('min-pct', { minAvailable: '100%', selector });
    await createBudget('max-pct', { maxUnavailable: '34%', selector });
    // [expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed]; 34% of 3 rounds up to 2 unavailable.
    await expectCounts({ 'min-int': [3, 2, 3, 1], 'min-pct': [3, 3, 3, 0], 'max-pct': [3, 1, 3, 2] });
    const pdb = await cp.client.get<PodDisruptionBudget>(PDBS, NS, 'min-int');
    assert.equal(pdb.status?.observedGeneration, 1);
    assert.deepEqual(
      pdb.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [['DisruptionAllowed', 'True', 'SufficientPods']],
    );
    const none = await cp.client.get<PodDisruptionBudget>(PDBS, NS, 'min-pct');
    assert.deepEqual(
      none.status?.conditions?.map((c) => [c.status, c.reason]),
      [['False', 'InsufficientPods']],
    );
  });

  it('follows churn: an unready pod, a deleted and replaced pod, a scale-up, a disruptedPods entry', async () => {
    const originals = await webPods();
    const [first, second] = originals;
    await setReady(first!, false);
    await expectCounts({ 'min-int': [3, 2, 2, 0], 'max-pct': [3, 1, 2, 1] });

    // Deleted (no node: gone at once); its replacement is not Ready until "the kubelet" says so.
    await cp.client.delete(PODS, NS, second!.metadata!.name!);
    const replacement = await eventually(async () => {
      const ps = await webPods();
      assert.equal(ps.length, 3);
      // Not any of the three it started with: the third one is neither first nor second either.
      const fresh = ps.find((p) => !originals.some((o) => o.metadata!.name === p.metadata!.name));
      assert.ok(fresh, 'the ReplicaSet replaced the deleted pod');
      return fresh;
    }, 20_000);
    await expectCounts({ 'min-int': [3, 2, 1, 0], 'max-pct': [3, 1, 1, 0] });
    await setReady(replacement, true);
    await setReady(first!, true);
    await expectCounts({ 'min-int': [3, 2, 3, 1], 'max-pct': [3, 1, 3, 2] });

    // Percentages count the Deployment's scale, not the pods that exist yet: 4 replicas, 3 pods.
    await cp.client.patch(DEPLOYMENTS, NS, 'web', 'merge', { spec: { replicas: 4 } });
    await expectCounts({ 'min-pct': [4, 4, 3, 0], 'max-pct': [4, 2, 3, 1] });
    const fourth = await eventually(async () => {
      const ps = await webPods();
      assert.equal(ps.length, 4);
      return ps.find((p) => !p.status?.conditions?.some((c) => c.type === 'Ready'))!;
    }, 20_000);
    await setReady(fourth, true);
    await expectCounts({ 'min-int': [4, 2, 4, 2], 'min-pct': [4, 4, 4, 0], 'max-pct': [4, 2, 4, 2] });

    // An eviction records the pod in disruptedPods: until the pod goes it is not counted healthy.
    const pdb = await cp.client.get<PodDisruptionBudget>(PDBS, NS, 'min-int');
    const victim = fourth.metadata!.name!;
    pdb.status = { ...pdb.status!, disruptedPods: { [victim]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } };
    await cp.client.update(PDBS, pdb, { subresource: 'status' });
    await expectCounts({ 'min-int': [4, 2, 3, 1] });
    assert.ok((await cp.client.get<PodDisruptionBudget>(PDBS, NS, 'min-int')).status?.disruptedPods?.[victim], 'the entry is kept while fresh');
    await cp.client.delete(PODS, NS, victim);
    await eventually(async () => {
      const s = (await cp.client.get<PodDisruptionBudget>(PDBS, NS, 'min-int')).status;
      assert.equal(s?.disruptedPods, undefined, 'the entry goes with its pod');
    }, 20_000);
  });

  it('refuses bad budgets with 422 and field causes, storing nothing', async () => {
    const cases: [string, PodDisruptionBudget['spec'], string, RegExp][] = [
      ['both', { minAvailable: 1, maxUnavailable: 1 }, 'spec', /^Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/],
      ['negative', { minAvailable: -1 }, 'spec.minAvailable', /^Invalid value: -1: must be greater than or equal to 0$/],
      ['over', { maxUnavailable: '101%' }, 'spec.maxUnavailable', /^Invalid value: "101%": must not be greater than 100%$/],
      ['policy', { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' }, 'spec.unhealthyPodEvictionPolicy', /^Unsupported value: "Sometimes"/],
    ];
    for (const [name, spec, field, message] of cases) {
      const status = await refusal(createBudget(name, { selector: { matchLabels: { app: 'web' } }, ...spec }), 422, 'Invalid');
      const cause = status.details?.causes?.find((c) => c.field === field);
      assert.ok(cause, `${name}: a cause on ${field}: ${JSON.stringify(status.details)}`);
      assert.match(cause.message ?? '', message, name);
      await refusal(cp.client.get(PDBS, NS, name), 404, 'NotFound');
    }
    // The status is validated too: a controller (or anyone) cannot write negative counts.
    const pdb = await cp.client.get<PodDisruptionBudget>(PDBS, NS, 'min-int');
    pdb.status = { ...pdb.status!, disruptionsAllowed: -1 };
    await refusal(cp.client.update(PDBS, pdb, { subresource: 'status' }), 422, 'Invalid');
  });

  it('kubectl create pdb (protobuf) and kubectl get pdb with both kubectls; skiff kubectl describe pdb', async () => {
    const kubeconfig = cp.cluster.kubeconfigPath;
    const binaries = await kubectlBinaries();
    const latest = binaries.find((b) => b.name === 'kubectl-latest');
    if (latest) {
      const created = await kubectl(latest, ['create', 'pdb', 'web', '--selector=app=web', '--min-available=2'], { kubeconfig });
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /poddisruptionbudget.policy\/web created/);
    } else {
      await createBudget('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    }
    await expectCounts({ web: [4, 2, 3, 1] });
    for (const bin of binaries) {
      const got = await kubectl(bin, ['get', 'pdb'], { kubeconfig });
      assert.equal(got.code, 0, `${bin.name}: ${got.stderr}`);
      assert.equal(tableHeader(got.stdout), 'NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE', bin.name);
      assert.match(tableRow(got.stdout, 'web'), /^web 2 N\/A 1 \d+s$/, bin.name);
      assert.match(tableRow(got.stdout, 'max-pct'), /^max-pct N\/A 34% 1 \d+s$/, bin.name);
    }
    const described = await runSkiffKubectl(kubeconfig, ['describe', 'pdb', 'web']);
    assert.match(described, /^Name:\s+web$/m);
    assert.match(described, /^Min available:\s+2$/m);
    assert.match(described, /^Selector:\s+app=web$/m);
    assert.match(described, /^ {4}Allowed disruptions:\s+1$/m);
    assert.match(described, /^ {4}Total:\s+4$/m);
  });
});

/** The Status of a call that must fail with `code` and `reason`. */
async function refusal(call: Promise<unknown>, code: number, reason: string): Promise<Status> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiStatusError, `want HTTP ${code} ${reason}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.reason, reason, err.message);
  return err.status;
}

function runSkiffKubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SKIFF_KUBECTL, `--kubeconfig=${kubeconfig}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`skiff kubectl ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

/**
 * The workload kinds on a 3-node lab with real containers (issue #15 §5), from the README's
 * examples in deploy/examples: a StatefulSet with one local-path volume per pod behind a
 * headless Service, a DaemonSet, a Job and a CronJob, each checked as `kubectl` would show it; then
 * identities (issue #16): an in-cluster client with its service-account token, and the node
 * components' credentials refused what their roles do not grant. Uses lab slot 2 (cluster.test.ts has 0,
 * networking.test.ts 1). Steps build on each other, so they run in order.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findResourceByKind, type Job, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import Docker from 'dockerode';
import { ApiStatusError, RestClient } from '@skiff/client';
import { kubectl, kubectlBinaries, REPO_ROOT, type KubectlBinary } from '../harness/index.ts';
import { startLab, type Lab } from '../harness/lab.ts';
import { PODS, isPodReady, kubectlOk, listPods, livePods, waitFor } from './cluster-checks.ts';
import { ensureInClusterClientImage, inClusterClientPod } from './in-cluster-client.ts';
import { installOperator, refuseThroughWebhook, removeOperator } from './operator/operator-steps.ts';

const PVCS = findResourceByKind('v1', 'PersistentVolumeClaim')!;
const PVS = findResourceByKind('v1', 'PersistentVolume')!;
const JOBS = findResourceByKind('batch/v1', 'Job')!;
const SECRETS = findResourceByKind('v1', 'Secret')!;

const example = (name: string) => readFileSync(join(REPO_ROOT, 'deploy/examples', name), 'utf8');
const DB = example('statefulset.yaml');
const NODE_AGENT = example('daemonset.yaml');
const BATCH = example('job.yaml');
const TICK = example('cronjob.yaml');

const runAsRoot = process.getuid?.() === 0;
const time = (t: string | undefined) => (t ? Date.parse(t) : Number.NaN);
const readySince = (pod: Pod) => time(pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime);

describe('workloads on a 3-node lab, as a user sees them', { skip: runAsRoot ? false : 'needs root (netns, iptables, dockerd)', timeout: 15 * 60_000 }, () => {
  let lab: Lab;
  let client: RestClient;
  let bin: KubectlBinary;
  let clientImage: string;

  const kc = (args: string[], stdin?: string, timeoutMs?: number) => kubectlOk(bin, lab.kubeconfigPath, args, stdin, timeoutMs);
  const execIn = async (pod: Pod, cmd: string[]) => {
    const r = await lab.exec(pod.spec!.nodeName!, { pod: pod.metadata!.name! }, cmd);
    assert.equal(r.exitCode, 0, `${cmd.join(' ')} in ${pod.metadata?.name}: ${r.output}`);
    return r.output;
  };
  const getPod = (name: string) => client.get<Pod>(PODS, 'default', name);
  const readyDbPods = async (count: number) => {
    let pods: Pod[] = [];
    await waitFor(
      `${count} Ready db pods`,
      async () => {
        pods = (await livePods(client, 'app=db')).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
        const ready = pods.filter(isPodReady).length;
        return pods.length === count && ready === count ? undefined : `${pods.length} pods, ${ready} ready`;
      },
      180_000,
    );
    return pods;
  };

  before(async () => {
    const started = Date.now();
    clientImage = await ensureInClusterClientImage(new Docker());
    lab = await startLab({ nodes: 3, slot: 2, images: [clientImage] });
    client = RestClient.fromKubeconfig(lab.kubeconfigPath, { timeoutMs: 15_000 });
    bin = (await kubectlBinaries()).at(-1)!;
    console.log(`# lab up in ${((Date.now() - started) / 1000).toFixed(0)} s: ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
    // The CronJob first: its first slot comes within a minute, checked at the end.
    await kc(['apply', '-f', '-'], TICK);
  });

  after(async () => {
    client?.close();
    await lab?.stop();
  });

  it('has the local-path StorageClass as the default', async () => {
    const out = await kc(['get', 'storageclass']);
    assert.match(out, /local-path \(default\)\s+skiff\.dev\/local-path\s+Delete\s+WaitForFirstConsumer/, out);
  });

  it('starts a StatefulSet one pod at a time, each after the previous is Ready, each with its own bound volume on its node', async () => {
    await kc(['apply', '-f', '-'], DB);
    const pods = await readyDbPods(3);
    assert.deepEqual(
      pods.map((p) => p.metadata?.name),
      ['db-0', 'db-1', 'db-2'],
    );
    for (let i = 1; i < pods.length; i++) {
      const created = time(pods[i]!.metadata?.creationTimestamp);
      const previousReady = readySince(pods[i - 1]!);
      assert.ok(created >= previousReady, `db-${i} was created (${pods[i]!.metadata?.creationTimestamp}) before db-${i - 1} was Ready`);
    }
    for (const pod of pods) {
      const claim = await client.get<PersistentVolumeClaim>(PVCS, 'default', `data-${pod.metadata!.name}`);
      assert.equal(claim.status?.phase, 'Bound', `claim of ${pod.metadata?.name}`);
      assert.equal(claim.spec?.storageClassName, 'local-path');
      const pv = await client.get<PersistentVolume>(PVS, undefined, claim.spec!.volumeName!);
      const hosts = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values ?? [];
      assert.deepEqual(hosts, [pod.spec?.nodeName], `${pv.metadata?.name} is pinned to the node of ${pod.metadata?.name}`);
      assert.equal((await execIn(pod, ['cat', '/data/host'])).trim(), pod.metadata?.name);
    }
    const out = await kc(['get', 'statefulset', 'db']);
    assert.match(out, /db\s+3\/3/, out);
  });

  it('gives each pod a stable DNS name under the headless Service', async () => {
    const [db0, db1] = await readyDbPods(3);
    await waitFor(
      'db-0.db resolving from db-1',
      async () => {
        const r = await lab.exec(db1!.spec!.nodeName!, { pod: 'db-1' }, ['nslookup', 'db-0.db.default.svc.cluster.local']);
        return r.exitCode === 0 && r.output.includes(db0!.status!.podIP!) ? undefined : r.output;
      },
      60_000,
    );
  });

  it("keeps a pod's data when the pod is deleted and recreated under the same name", async () => {
    const db0 = await getPod('db-0');
    await execIn(db0, ['sh', '-c', 'echo keep-me > /data/note']);
    await kc(['delete', 'pod', 'db-0', '--wait=false']);
    let again: Pod | undefined;
    await waitFor(
      'db-0 recreated and Ready',
      async () => {
        again = await getPod('db-0').catch(() => undefined);
        return again && again.metadata?.uid !== db0.metadata?.uid && isPodReady(again) ? undefined : 'not yet';
      },
      120_000,
    );
    assert.equal(again!.spec?.nodeName, db0.spec?.nodeName, 'the local volume keeps db-0 on its node');
    assert.equal((await execIn(again!, ['cat', '/data/note'])).trim(), 'keep-me');
    assert.equal((await execIn(again!, ['cat', '/data/boots'])).trim().split('\n').length, 2);
  });

  it('scales down highest ordinal first and keeps the claims', async () => {
    const gone = new Map<string, number>();
    await kc(['scale', 'statefulset', 'db', '--replicas=1']);
    await waitFor(
      'db-1 and db-2 gone',
      async () => {
        const live = new Set((await livePods(client, 'app=db')).map((p) => p.metadata!.name!));
        for (const name of ['db-1', 'db-2']) if (!live.has(name) && !gone.has(name)) gone.set(name, Date.now());
        return gone.size === 2 ? undefined : `live: ${[...live].join(', ')}`;
      },
      120_000,
      200,
    );
    assert.ok(gone.get('db-2')! <= gone.get('db-1')!, 'db-2 went before db-1');
    const claims = (await client.list<PersistentVolumeClaim>(PVCS, 'default', { labelSelector: 'app=db' })).items.map((c) => c.metadata?.name).sort();
    assert.deepEqual(claims, ['data-db-0', 'data-db-1', 'data-db-2']);
  });

  it('runs a DaemonSet pod on every node and rolls it to a new template', async () => {
    await kc(['apply', '-f', '-'], NODE_AGENT);
    await waitFor(
      'a Ready node-agent on each node',
      async () => {
        const pods = (await livePods(client, 'app=node-agent')).filter(isPodReady);
        const nodes = new Set(pods.map((p) => p.spec?.nodeName));
        return pods.length === 3 && nodes.size === 3 ? undefined : `${pods.length} ready on ${nodes.size} nodes`;
      },
      120_000,
    );
    const before = new Set((await livePods(client, 'app=node-agent')).map((p) => p.metadata!.name!));
    await kc(['set', 'env', 'daemonset/node-agent', 'VERSION=2']);
    await kc(['rollout', 'status', 'daemonset/node-agent', '--timeout=180s'], undefined, 190_000);
    const after = (await livePods(client, 'app=node-agent')).filter(isPodReady);
    assert.equal(after.length, 3);
    for (const pod of after) {
      assert.ok(!before.has(pod.metadata!.name!), `${pod.metadata?.name} was replaced`);
      assert.deepEqual(pod.spec?.containers?.[0]?.env, [{ name: 'VERSION', value: '2' }]);
    }
    assert.equal(new Set(after.map((p) => p.spec?.nodeName)).size, 3);
  });

  it('runs a Job of 4 completions never more than 2 at a time', async () => {
    await kc(['apply', '-f', '-'], BATCH);
    let most = 0;
    await waitFor(
      'the Job Complete',
      async () => {
        const running = (await listPods(client, 'job-name=batch')).filter(
          (p) => !p.metadata?.deletionTimestamp && (p.status?.phase === 'Running' || p.status?.phase === 'Pending'),
        );
        most = Math.max(most, running.length);
        const job = await client.get<Job>(JOBS, 'default', 'batch');
        return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? undefined : `succeeded ${job.status?.succeeded ?? 0}`;
      },
      180_000,
      250,
    );
    assert.ok(most <= 2, `${most} pods active at once`);
    const job = await client.get<Job>(JOBS, 'default', 'batch');
    assert.equal(job.status?.succeeded, 4);
    const out = await kc(['get', 'job', 'batch']);
    assert.match(out, /batch\s+Complete\s+4\/4/, out);
  });

  it('fires the CronJob each minute and keeps one successful Job', async () => {
    await waitFor(
      'a successful tick',
      async () => {
        const out = await kubectl(bin, ['get', 'cronjob', 'tick', '-o', 'jsonpath={.status.lastSuccessfulTime}'], { kubeconfig: lab.kubeconfigPath });
        return out.stdout.trim() ? undefined : 'no lastSuccessfulTime yet';
      },
      150_000,
      2000,
    );
    const jobs = (await client.list<Job>(JOBS, 'default')).items.filter((j) =>
      j.metadata?.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick'),
    );
    assert.ok(jobs.length >= 1, 'the CronJob made a Job');
    for (const j of jobs) assert.match(j.metadata!.name!, /^tick-\d+$/);
    const logs = await kc(['logs', `job/${jobs[0]!.metadata!.name}`]);
    assert.match(logs, /tick/);
  });

  it("removes the volumes' directories when their claims are deleted", async () => {
    const claims = (await client.list<PersistentVolumeClaim>(PVCS, 'default', { labelSelector: 'app=db' })).items;
    const paths: string[] = [];
    for (const c of claims) {
      const pv = await client.get<PersistentVolume>(PVS, undefined, c.spec!.volumeName!);
      const path = pv.spec?.local?.path ?? pv.spec?.hostPath?.path;
      assert.ok(path && existsSync(path), `the directory of ${pv.metadata?.name} exists on the node`);
      paths.push(path);
    }
    assert.equal(readFileSync(`${paths[0]}/host`, 'utf8').trim(), 'db-0');
    await kc(['delete', 'statefulset', 'db']);
    await kc(['delete', 'pvc', '-l', 'app=db']);
    await waitFor(
      'the volumes and their directories gone',
      async () => {
        const pvs = (await client.list<PersistentVolume>(PVS)).items.filter((pv) => pv.spec?.claimRef?.name?.startsWith('data-db-'));
        const left = paths.filter((p) => existsSync(p));
        return pvs.length === 0 && left.length === 0 ? undefined : `${pvs.length} PVs, directories left: ${left.join(', ')}`;
      },
      120_000,
    );
  });

  it("an in-cluster client lists its namespace's pods with its service-account token, and is refused kube-system's secrets", async () => {
    await kc(['create', 'namespace', 'in-cluster']);
    await kc(['create', 'serviceaccount', 'lister', '-n', 'in-cluster']);
    await kc(['create', 'rolebinding', 'lister-view', '--clusterrole=view', '--serviceaccount=in-cluster:lister', '-n', 'in-cluster']);
    await kc(['apply', '-f', '-'], JSON.stringify(inClusterClientPod(clientImage, 'in-cluster', 'lister')));
    await waitFor(
      'the in-cluster client to finish',
      async () => {
        const pod = await client.get<Pod>(PODS, 'in-cluster', 'in-cluster-client');
        return pod.status?.phase === 'Succeeded' ? undefined : `phase ${pod.status?.phase}`;
      },
      120_000,
    );
    // kubectl logs goes apiserver → kubelet API: the kubelet asks the apiserver (SubjectAccessReview) about its caller.
    const out = await kc(['logs', 'in-cluster-client', '-n', 'in-cluster']);
    assert.match(out, /^PODS in-cluster-client$/m, out);
    assert.match(out, /^SECRETS 403$/m, out);
  });

  it("the node components' credentials do what their roles grant and no more", async () => {
    const node = lab.nodes[0]!.name;
    const credential = (agent: string) => RestClient.fromKubeconfig(join(lab.home, 'lab', 'kubeconfigs', `${node}.${agent}.kubeconfig`), { timeoutMs: 15_000 });
    const refused = async (agent: string, what: string, call: (c: RestClient) => Promise<unknown>) => {
      const c = credential(agent);
      try {
        await assert.rejects(call(c), (err: unknown) => err instanceof ApiStatusError && err.code === 403, `${agent} may ${what}`);
      } finally {
        c.close();
      }
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'not-allowed', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'skiff/busybox:test' }] },
    };
    await refused('kube-proxy', 'create a pod', (c) => c.create(PODS, pod, { namespace: 'default' }));
    await refused('dns', 'create a pod', (c) => c.create(PODS, pod, { namespace: 'default' }));
    await refused('kubelet', 'list secrets', (c) => c.list(SECRETS, 'kube-system'));
    await refused('local-path', 'list secrets', (c) => c.list(SECRETS, 'default'));
    // What they are for still works: kube-proxy lists services, dns lists endpoints... through the same credentials.
    const proxy = credential('kube-proxy');
    try {
      assert.ok((await proxy.list(findResourceByKind('v1', 'Service')!)).items.length >= 1);
    } finally {
      proxy.close();
    }
  });

  it("operator: the Backup CRD, and an operator pod with in-cluster credentials records each Backup's last run in its status", async () => {
    await installOperator({ lab, client, bin, kc });
  });

  // The apiservers (on the host) reach the webhook pod through the routes the lab adds to each node's pod network.
  it('operator: a validating webhook pod behind a Service refuses Backups keeping more than 30, as kubectl shows', async () => {
    await refuseThroughWebhook({ lab, client, bin, kc });
  });

  it('operator: removing the namespace, CRD and webhook configuration leaves nothing served', async () => {
    await removeOperator({ lab, client, bin, kc });
  });
});

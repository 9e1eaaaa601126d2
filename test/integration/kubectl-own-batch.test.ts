/**
 * Skiff's own kubectl with the batch, stateful and storage kinds on a real control plane
 * (etcd, apiserver, controller-manager, scheduler, 2 hollow nodes): create job / cronjob /
 * job --from, get and describe of each kind, get all, apply and delete, scale sts, and
 * rollout status / history / undo / restart for a StatefulSet and a DaemonSet.
 *
 * Two clusters. In the first, the statefulset and daemonset controllers are left out and
 * the test plays their part — it writes ControllerRevisions in upstream's format (data
 * `{"spec":{"template":{...,"$patch":"replace"}}}`, controller ownerReference) and the
 * status fields the status viewers read — so every line kubectl prints is known in
 * advance. In the second, the real controllers run, and the same commands must move the
 * pods to the new image, back again, and replace them all on a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findResourceByKind,
  type ControllerRevision,
  type CronJob,
  type DaemonSet,
  type Job,
  type Pod,
  type PodTemplateSpec,
  type StatefulSet,
} from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import { eventually, kubectl, REPO_ROOT, startControlPlane, type ControlPlane, type KubectlResult, type TestCluster } from '../harness/index.ts';

// Ports 29600-29601 and 29610-29611 (etcd), 29650 and 29660 (apiservers) belong to this file (range 29600-29699).
const BASE_PORT = 29600;
const API_PORT = 29650;
const KUBECTL = join(REPO_ROOT, 'apps/kubectl/src/main.ts');
const JOBS = findResourceByKind('batch/v1', 'Job')!;
const CRONJOBS = findResourceByKind('batch/v1', 'CronJob')!;
const STATEFULSETS = findResourceByKind('apps/v1', 'StatefulSet')!;
const DAEMONSETS = findResourceByKind('apps/v1', 'DaemonSet')!;
const REVISIONS = findResourceByKind('apps/v1', 'ControllerRevision')!;
const PODS = findResourceByKind('v1', 'Pod')!;

function template(app: string, image: string): PodTemplateSpec {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: app, image }] } };
}

/** One small cluster of this file's: etcd, apiserver, controller-manager, scheduler, 2 hollow nodes. */
interface Bench {
  cluster: TestCluster;
  client: RestClient;
  /** Runs our kubectl as a user would and answers what it printed and its exit code. */
  run(args: string[], timeoutMs?: number): Promise<KubectlResult>;
  /** stdout of a kubectl run that must succeed. */
  ok(args: string[], timeoutMs?: number): Promise<string>;
  /** `kubectl apply -f` of `obj` written to a file. */
  apply(name: string, obj: unknown): Promise<string>;
  stop(): Promise<void>;
}

async function startBench(basePort: number, apiServerPort: number, controllerManagerArgs: string[]): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-batch-'));
  let cp: ControlPlane;
  try {
    cp = await startControlPlane({ basePort, apiServerPort, kubeletProcesses: 1, kubelet: { count: 2 }, controllerManagerArgs });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { cluster, client } = cp;
  const stop = async (): Promise<void> => {
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const run = (args: string[], timeoutMs = 60_000): Promise<KubectlResult> =>
    kubectl(process.execPath, [KUBECTL, `--kubeconfig=${cluster.kubeconfigPath}`, ...args], { timeoutMs });
  const ok = async (args: string[], timeoutMs?: number): Promise<string> => {
    const r = await run(args, timeoutMs);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const apply = (name: string, obj: unknown): Promise<string> => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(obj));
    return ok(['apply', '-f', file]);
  };
  return { cluster, client, run, ok, apply, stop };
}

describe('skiff kubectl: jobs, cron jobs, stateful sets, daemon sets, storage classes', { timeout: 170_000 }, () => {
  let bench: Bench;
  let client: RestClient;
  // The statefulset and daemonset controllers are left out: the test plays their part.
  before(async () => {
    bench = await startBench(BASE_PORT, API_PORT, ['--controllers=*,-statefulset,-daemonset']);
    client = bench.client;
  });
  after(() => bench?.stop());
  const run = (args: string[], timeoutMs?: number) => bench.run(args, timeoutMs);
  const ok = (args: string[], timeoutMs?: number) => bench.ok(args, timeoutMs);
  const apply = (name: string, obj: unknown) => bench.apply(name, obj);

  /** A ControllerRevision as the statefulset/daemonset controllers write one, from the live template. */
  const createRevision = (owner: KubeObject, revision: number, tmpl: PodTemplateSpec, changeCause?: string) =>
    client.create<ControllerRevision>(
      REVISIONS,
      {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${owner.metadata!.name}-r${revision}`,
          labels: { app: tmpl.metadata!.labels!.app },
          ...(changeCause ? { annotations: { 'kubernetes.io/change-cause': changeCause } } : {}),
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true },
          ],
        },
        revision,
        data: { spec: { template: { ...tmpl, $patch: 'replace' } } },
      },
      { namespace: 'default' },
    );

  it('creates a cron job and a job, previews them with --dry-run, and refuses a job with neither --image nor --from', async () => {
    const preview = await ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--dry-run=client', '-o', 'yaml', '--', 'date']);
    assert.match(preview, /^apiVersion: batch\/v1\nkind: CronJob\nmetadata:\n  name: tick\nspec:\n  jobTemplate:\n/);
    assert.match(preview, /\n  schedule: "\*\/1 \* \* \* \*"\n|\n  schedule: '\*\/1 \* \* \* \*'\n/);
    assert.match(preview, /restartPolicy: OnFailure/);
    assert.equal((await client.list(CRONJOBS, 'default')).items.length, 0, 'a client dry run creates nothing');

    assert.equal(await ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'date']), 'cronjob.batch/tick created\n');
    const cj = await client.get<CronJob>(CRONJOBS, 'default', 'tick');
    assert.equal(cj.spec?.schedule, '*/1 * * * *');
    assert.deepEqual(
      cj.spec?.jobTemplate.spec?.template.spec?.containers.map((c) => [c.name, c.image, c.command]),
      [['tick', 'busybox', ['date']]],
    );

    assert.equal(await ok(['create', 'job', 'pi', '--image=busybox', '--', 'sh', '-c', 'echo 3.14']), 'job.batch/pi created\n');
    const pi = await client.get<Job>(JOBS, 'default', 'pi');
    assert.deepEqual(pi.spec?.template.spec?.containers[0].command, ['sh', '-c', 'echo 3.14']);
    assert.equal(pi.spec?.template.spec?.restartPolicy, 'Never');

    const neither = await run(['create', 'job', 'nothing']);
    assert.deepEqual([neither.code, neither.stderr], [1, 'error: either --image or --from must be specified\n']);
    const noSchedule = await run(['create', 'cronjob', 'x', '--image=busybox']);
    assert.deepEqual([noSchedule.code, noSchedule.stderr], [1, 'error: required flag(s) "schedule" not set\n']);
  });

  it('creates a job from the cron job: its template, the manual annotation, the cron job as controller', async () => {
    const dry = await ok(['create', 'job', 'tick-now', '--from=cronjob/tick', '--dry-run=server', '-o', 'json']);
    assert.equal((JSON.parse(dry) as Job).metadata?.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(await ok(['create', 'job', 'tick-now', '--from=cronjob/tick']), 'job.batch/tick-now created\n');
    const cj = await client.get<CronJob>(CRONJOBS, 'default', 'tick');
    const job = await client.get<Job>(JOBS, 'default', 'tick-now');
    assert.equal(job.metadata?.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(
      job.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
      [['CronJob', 'tick', cj.metadata?.uid, true]],
    );
    assert.deepEqual(job.spec?.template.spec?.containers[0].command, ['date']);
    const wrong = await run(['create', 'job', 'x', '--from=cronjob/tick', '--', 'date']);
    assert.deepEqual([wrong.code, wrong.stderr], [1, 'error: cannot specify --from and command\n']);
  });

  it('gets and describes jobs and cron jobs; get all lists them after the apps kinds', async () => {
    assert.equal(await ok(['get', 'cj', '-o', 'name']), 'cronjob.batch/tick\n');
    // The cronjob controller may have started tick's scheduled run (tick-<minutes>) by now.
    const jobs = (await ok(['get', 'jobs', '-o', 'name'])).trim().split('\n');
    assert.deepEqual(
      jobs.filter((n) => !/^job\.batch\/tick-\d+$/.test(n)),
      ['job.batch/pi', 'job.batch/tick-now'],
    );
    const table = await ok(['get', 'cronjobs']);
    assert.match(table, /^NAME\s+SCHEDULE\s+/);
    assert.match(table, /\ntick\s+\*\/1 \* \* \* \*\s+/);
    const all = await ok(['get', 'all', '-o', 'name']);
    const names = all.trim().split('\n');
    assert.ok(names.includes('cronjob.batch/tick') && names.includes('job.batch/pi'), all);
    assert.ok(names.indexOf('cronjob.batch/tick') < names.indexOf('job.batch/pi'), `cron jobs print before jobs:\n${all}`);

    await eventually(
      async () => {
        const described = await ok(['describe', 'job', 'pi']);
        assert.match(described, /^Name:\s+pi\nNamespace:\s+default\nSelector:\s+\S+/);
        assert.match(described, /\nCompletions:\s+1\n/);
        assert.match(described, /\nPods Statuses:\s+1 Active( \(\d+ Ready\))? \/ 0 Succeeded \/ 0 Failed\n/);
        assert.match(described, /\n    Command:\n      sh\n      -c\n      echo 3\.14\n/);
      },
      30_000,
      500,
    );
    const cronDescribed = await ok(['describe', 'cronjob', 'tick']);
    assert.match(cronDescribed, /^Name:\s+tick\nNamespace:\s+default\n/);
    assert.match(cronDescribed, /\nSchedule:\s+\*\/1 \* \* \* \*\n/);
    assert.match(cronDescribed, /\nPod Template:\n  Labels:\s+<none>\n  Containers:\n   tick:\n    Image:\s+busybox\n/);
    assert.match(cronDescribed, /\nActive Jobs:\s+/);
    const jobFromCron = await ok(['describe', 'job', 'tick-now']);
    assert.match(jobFromCron, /\nAnnotations:\s+cronjob\.kubernetes\.io\/instantiate=manual\n/);
    assert.match(jobFromCron, /\nControlled By:\s+CronJob\/tick\n/);

    // A job whose hollow pod exits 0 after a moment (the fake runtime's exit-after annotation) completes.
    const quick = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'quick' },
      spec: {
        template: {
          metadata: { annotations: { 'hollow.skiff.dev/exit-after': '500ms' } },
          spec: { containers: [{ name: 'quick', image: 'busybox' }], restartPolicy: 'Never' },
        },
      },
    };
    assert.equal(await apply('quick', quick), 'job.batch/quick created\n');
    await eventually(
      async () => {
        const described = await ok(['describe', 'job', 'quick']);
        assert.match(
          described,
          /\nCompleted At:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\nDuration:\s+\d+s\nPods Statuses:\s+0 Active( \(0 Ready\))? \/ 1 Succeeded \/ 0 Failed\n/,
        );
      },
      30_000,
      500,
    );

    const noViewer = await run(['rollout', 'status', 'job/pi']);
    assert.deepEqual([noViewer.code, noViewer.stderr], [1, 'error: no status viewer has been implemented for Job.batch\n']);
  });

  it('applies, gets, describes and deletes a storage class', async () => {
    const sc = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'slow' },
      provisioner: 'example.com/slow',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'Immediate',
      parameters: { speed: 'low' },
    };
    assert.equal(await apply('sc', sc), 'storageclass.storage.k8s.io/slow created\n');
    assert.match(await ok(['get', 'sc', 'slow']), /^NAME\s+PROVISIONER\s+.*\nslow\s+example\.com\/slow\s+/);
    const described = await ok(['describe', 'sc', 'slow']);
    assert.match(described, /^Name:\s+slow\nIsDefaultClass:\s+No\n/);
    assert.match(described, /\nProvisioner:\s+example\.com\/slow\nParameters:\s+speed=low\n/);
    assert.match(described, /\nReclaimPolicy:\s+Retain\nVolumeBindingMode:\s+Immediate\nEvents:\s+<none>\n$/);
    assert.equal(await ok(['delete', 'sc', 'slow']), 'storageclass.storage.k8s.io "slow" deleted\n');
  });

  it('scales a stateful set and walks its rollout: history, --revision, undo, restart, status', async () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template('db', 'postgres:15'),
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      },
    };
    assert.equal(await apply('sts', manifest), 'statefulset.apps/db created\n');
    assert.equal(await ok(['scale', 'sts', 'db', '--replicas=3']), 'statefulset.apps/db scaled\n');
    assert.equal(await ok(['scale', 'sts/db', '--replicas=5', '--dry-run=server']), 'statefulset.apps/db scaled (server dry run)\n');
    assert.equal(await ok(['scale', 'sts/db', '--replicas=5', '--dry-run=client']), 'statefulset.apps/db scaled (dry run)\n');
    assert.equal((await client.get<StatefulSet>(STATEFULSETS, 'default', 'db')).spec?.replicas, 3);

    // Revision 1 is postgres:15; the user moves to postgres:16, recorded as revision 2.
    const sts = await liveWithKind<StatefulSet>(STATEFULSETS, 'db');
    await createRevision(sts, 1, sts.spec!.template);
    assert.match(
      await apply('sts', { ...manifest, spec: { ...manifest.spec, replicas: 3, template: template('db', 'postgres:16') } }),
      /statefulset\.apps\/db configured\n/,
    );
    await createRevision(sts, 2, (await liveWithKind<StatefulSet>(STATEFULSETS, 'db')).spec!.template, 'upgrade to 16');

    assert.equal(
      await ok(['rollout', 'history', 'statefulset/db']),
      'statefulset.apps/db \nREVISION  CHANGE-CAUSE\n1         <none>\n2         upgrade to 16\n\n',
    );
    const rev1 = await ok(['rollout', 'history', 'sts/db', '--revision=1']);
    assert.match(rev1, /^statefulset\.apps\/db with revision #1\nPod Template:\n  Labels:\tapp=db\n  Containers:\n   db:\n    Image:\tpostgres:15\n/);
    assert.equal(await ok(['rollout', 'undo', 'sts/db', '--dry-run=server']), 'statefulset.apps/db rolled back (server dry run)\n');
    assert.match(
      await ok(['rollout', 'undo', 'sts/db', '--dry-run=client']),
      /^statefulset\.apps\/db Pod Template:\n  Labels:\tapp=db\n[\s\S]*    Image:\tpostgres:15\n[\s\S]* \(dry run\)\n$/,
    );
    assert.deepEqual(
      (await client.get<StatefulSet>(STATEFULSETS, 'default', 'db')).spec?.template.spec?.containers.map((c) => c.image),
      ['postgres:16'],
      'dry runs change nothing',
    );
    assert.equal(await ok(['rollout', 'undo', 'sts/db']), 'statefulset.apps/db rolled back\n');
    const undone = await client.get<StatefulSet>(STATEFULSETS, 'default', 'db');
    assert.deepEqual(
      undone.spec?.template.spec?.containers.map((c) => c.image),
      ['postgres:15'],
    );
    assert.equal(
      await ok(['rollout', 'undo', 'sts/db', '--to-revision=1']),
      'statefulset.apps/db skipped rollback (current template already matches revision 1)\n',
    );
    const missing = await run(['rollout', 'undo', 'sts/db', '--to-revision=7']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'error: unable to find specified revision 7 in history\n']);

    assert.equal(await ok(['rollout', 'restart', 'sts/db']), 'statefulset.apps/db restarted\n');
    const restarted = await client.get<StatefulSet>(STATEFULSETS, 'default', 'db');
    assert.match(restarted.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const pause = await run(['rollout', 'pause', 'sts/db']);
    assert.deepEqual([pause.code, pause.stderr], [1, 'error: statefulsets.apps "db" pausing is not supported\n']);

    // Status: nothing observed yet; then (as the controller would) 3 ready, updated pods.
    assert.equal(await ok(['rollout', 'status', 'sts/db', '--watch=false']), 'Waiting for statefulset spec update to be observed...\n');
    const waiting = run(['rollout', 'status', 'sts/db', '--timeout=60s'], 70_000);
    await setStatus(STATEFULSETS, 'db', (s) => ({
      observedGeneration: s.metadata?.generation,
      replicas: 3,
      readyReplicas: 1,
      updatedReplicas: 1,
      currentReplicas: 3,
    }));
    await setStatus(STATEFULSETS, 'db', (s) => ({
      observedGeneration: s.metadata?.generation,
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      currentReplicas: 3,
    }));
    const done = await waiting;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/);

    const described = await ok(['describe', 'sts', 'db']);
    assert.match(described, /^Name:\s+db\nNamespace:\s+default\nCreationTimestamp:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\nSelector:\s+app=db\n/);
    assert.match(
      described,
      /\nReplicas:\s+3 desired \| 3 total\nUpdate Strategy:\s+RollingUpdate\n  Partition:\s+0\nPods Status:\s+0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\nPod Template:\n/,
    );
    assert.match(described, /\nVolume Claims:\s+<none>\n/);
    assert.match(await ok(['get', 'controllerrevisions', '-o', 'name']), /^controllerrevision\.apps\/db-r1\ncontrollerrevision\.apps\/db-r2\n/);
  });

  it("walks a daemon set's rollout the same way and deletes what the suite made", async () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', 'agent:1') },
    };
    assert.equal(await apply('ds', manifest), 'daemonset.apps/agent created\n');
    const ds = await liveWithKind<DaemonSet>(DAEMONSETS, 'agent');
    await createRevision(ds, 1, ds.spec!.template);
    await apply('ds', { ...manifest, spec: { ...manifest.spec, template: template('agent', 'agent:2') } });
    await createRevision(ds, 2, (await liveWithKind<DaemonSet>(DAEMONSETS, 'agent')).spec!.template);

    assert.equal(await ok(['rollout', 'history', 'ds/agent']), 'daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    assert.match(await ok(['rollout', 'history', 'ds/agent', '--revision=2']), /\n    Image:\tagent:2\n/);
    assert.equal(await ok(['rollout', 'undo', 'daemonset/agent', '--to-revision=1']), 'daemonset.apps/agent rolled back\n');
    assert.equal((await client.get<DaemonSet>(DAEMONSETS, 'default', 'agent')).spec?.template.spec?.containers[0].image, 'agent:1');
    assert.equal(await ok(['rollout', 'restart', 'ds/agent']), 'daemonset.apps/agent restarted\n');

    await setStatus(DAEMONSETS, 'agent', (d) => ({
      observedGeneration: d.metadata?.generation,
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberMisscheduled: 0,
      numberReady: 1,
    }));
    assert.equal(
      await ok(['rollout', 'status', 'ds/agent', '--watch=false']),
      'Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...\n',
    );
    const waiting = run(['rollout', 'status', 'ds/agent', '--timeout=60s'], 70_000);
    await setStatus(DAEMONSETS, 'agent', (d) => ({
      observedGeneration: d.metadata?.generation,
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
      numberMisscheduled: 0,
      numberReady: 2,
    }));
    const done = await waiting;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /daemon set "agent" successfully rolled out\n$/);

    const described = await ok(['describe', 'ds', 'agent']);
    assert.match(described, /^Name:\s+agent\nNamespace:\s+default\nSelector:\s+app=agent\nNode-Selector:\s+<none>\n/);
    assert.match(
      described,
      /\nDesired Number of Nodes Scheduled: 2\nCurrent Number of Nodes Scheduled: 2\nNumber of Nodes Scheduled with Up-to-date Pods: 2\nNumber of Nodes Scheduled with Available Pods: 2\nNumber of Nodes Misscheduled: 0\n/,
    );

    assert.equal(
      await ok(['delete', 'ds/agent', 'sts/db', 'cj/tick', '--wait=false']),
      'daemonset.apps "agent" deleted\nstatefulset.apps "db" deleted\ncronjob.batch "tick" deleted\n',
    );
  });

  /** The live object (its template as the server defaulted it, which is what a controller records). */
  async function liveWithKind<T extends KubeObject>(res: typeof STATEFULSETS, name: string): Promise<T> {
    return { ...(await client.get<T>(res, 'default', name)), kind: res.kind };
  }

  /** Writes status the way the missing controller would, through the status subresource. */
  async function setStatus<T extends KubeObject & { status?: unknown }>(res: typeof STATEFULSETS, name: string, status: (obj: T) => object): Promise<void> {
    await eventually(async () => {
      const obj = await client.get<T>(res, 'default', name);
      await client.update<T>(res, { ...obj, status: status(obj) }, { subresource: 'status' });
    }, 10_000);
  }
});

describe('skiff kubectl with the statefulset and daemonset controllers: rollouts that really roll', { timeout: 240_000 }, () => {
  let bench: Bench;
  before(async () => {
    bench = await startBench(BASE_PORT + 10, API_PORT + 10, []);
  });
  after(() => bench?.stop());

  /** The images the workload's live pods run, sorted by pod name. */
  const podImages = async (app: string): Promise<string[]> => {
    const pods = (await bench.client.list<Pod>(PODS, 'default', { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
    return pods.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!)).map((p) => p.spec!.containers[0].image!);
  };
  /** The newest revision of `kubectl rollout history` and how many there are. */
  const history = async (ref: string): Promise<number[]> => {
    const out = await bench.ok(['rollout', 'history', ref]);
    assert.match(out, /^\S+ \nREVISION  CHANGE-CAUSE\n/);
    return [...out.matchAll(/^(\d+)\s+<none>$/gm)].map((m) => Number(m[1]));
  };

  for (const kind of [
    {
      ref: 'sts/web',
      app: 'web',
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web' },
        spec: { replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template('web', 'web:1') },
      },
    },
    {
      ref: 'ds/agent',
      app: 'agent',
      manifest: {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent' },
        spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent', 'agent:1') },
      },
    },
  ]) {
    it(`${kind.ref}: status waits for the rollout, set image makes revision 2, undo goes back, restart rolls again`, async () => {
      const { ok, apply } = bench;
      const done = kind.ref.startsWith('sts')
        ? /(partitioned roll out complete: 2 new pods have been updated|statefulset rolling update complete 2 pods at revision \S+)\.\.\.\n$/
        : /daemon set "agent" successfully rolled out\n$/;
      assert.match(await apply(kind.app, kind.manifest), / created\n$/);
      assert.match(await ok(['rollout', 'status', kind.ref, '--timeout=90s'], 100_000), done);
      assert.deepEqual(await podImages(kind.app), [`${kind.app}:1`, `${kind.app}:1`]);

      assert.match(await ok(['set', 'image', kind.ref, `${kind.app}=${kind.app}:2`]), / image updated\n$/);
      assert.match(await ok(['rollout', 'status', kind.ref, '--timeout=90s'], 100_000), done);
      await eventually(async () => assert.deepEqual(await podImages(kind.app), [`${kind.app}:2`, `${kind.app}:2`]), 30_000);
      assert.deepEqual(await history(kind.ref), [1, 2]);
      assert.match(await ok(['rollout', 'history', kind.ref, '--revision=1']), new RegExp(`\\n    Image:\\t${kind.app}:1\\n`));

      assert.match(await ok(['rollout', 'undo', kind.ref]), / rolled back\n$/);
      assert.match(await ok(['rollout', 'status', kind.ref, '--timeout=90s'], 100_000), done);
      await eventually(async () => assert.deepEqual(await podImages(kind.app), [`${kind.app}:1`, `${kind.app}:1`]), 30_000);
      // The controller makes revision 1's template the newest revision again (as revision 3).
      const revisions = await history(kind.ref);
      const newest = revisions[revisions.length - 1];
      assert.ok(newest >= 3, `history after undo: ${revisions.join(',')}`);
      assert.match(await ok(['rollout', 'history', kind.ref, `--revision=${newest}`]), new RegExp(`\\n    Image:\\t${kind.app}:1\\n`));

      assert.match(await ok(['rollout', 'restart', kind.ref]), / restarted\n$/);
      assert.match(await ok(['rollout', 'status', kind.ref, '--timeout=90s'], 100_000), done);
      await eventually(async () => {
        const pods = (await bench.client.list<Pod>(PODS, 'default', { labelSelector: `app=${kind.app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
        assert.equal(pods.length, 2);
        assert.ok(
          pods.every((p) => p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']),
          'every pod was replaced by the restart',
        );
      }, 60_000);
      assert.match(await ok(['describe', kind.ref]), /\nPods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\n/);
    });
  }

  it('scales the stateful set to 3 and describes it', async () => {
    assert.equal(await bench.ok(['scale', 'statefulset', 'web', '--replicas=3']), 'statefulset.apps/web scaled\n');
    await eventually(async () => {
      const names = (await bench.client.list<Pod>(PODS, 'default', { labelSelector: 'app=web' })).items
        .filter((p) => p.status?.phase === 'Running')
        .map((p) => p.metadata!.name)
        .sort();
      assert.deepEqual(names, ['web-0', 'web-1', 'web-2']);
    }, 60_000);
    await eventually(
      async () => assert.match(await bench.ok(['describe', 'sts', 'web']), /\nReplicas:\s+3 desired \| 3 total\n[\s\S]*\nPods Status:\s+3 Running \//),
      30_000,
    );
  });
});

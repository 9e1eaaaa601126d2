/**
 * Jobs on hollow nodes with real etcd, apiserver, controller-manager and scheduler: the fake
 * containers finish by themselves (hollow.skiff.dev/exit-after, exit-code), so a Job runs to
 * Complete or Failed as a user would see it with kubectl get jobs. Also the ttl-after-finished
 * controller and the pod GC of a node that is gone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Job, type JobSpec, type Node, type Pod } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { eventually, startControlPlane, type ControlPlane } from '../harness/index.ts';

// Ports 29400-29401 (etcd) and 29450 (apiserver) belong to this file.
const BASE_PORT = 29400;
const API_PORT = 29450;
const NS = 'default';

const JOBS = findResourceByKind('batch/v1', 'Job')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const NODES = findResourceByKind('v1', 'Node')!;

function jobManifest(name: string, spec: Partial<JobSpec>, pod: { exitAfter?: string; exitCode?: number } = {}): Job {
  const annotations: Record<string, string> = {};
  if (pod.exitAfter) annotations['hollow.skiff.dev/exit-after'] = pod.exitAfter;
  if (pod.exitCode !== undefined) annotations['hollow.skiff.dev/exit-code'] = String(pod.exitCode);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      // The selector and the controller-uid / job-name labels are the apiserver's to generate.
      template: {
        metadata: { labels: { job: name }, annotations },
        spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'registry.local/work:1' }] },
      },
      ...spec,
    },
  };
}

const condition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const isActive = (pod: Pod) => !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

describe('Jobs on hollow nodes', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let client: RestClient;

  before(async () => {
    // Four one-node kubelet processes: the last is crashed for the pod GC case.
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: API_PORT, kubeletProcesses: 4 });
    client = cp.client;
  });
  after(async () => {
    await cp?.stop();
  });

  const getJob = (name: string) => client.get<Job>(JOBS, NS, name);
  const podsOf = async (name: string) => (await client.list<Pod>(PODS, NS, { labelSelector: `job=${name}` })).items;

  it('completions 4, parallelism 2: never more than 2 pods active at once, then Complete with succeeded 4', async () => {
    const active = new Set<string>();
    let maxActive = 0;
    const watching = new AbortController();
    const watched = (async () => {
      for await (const ev of client.watch<Pod>(PODS, NS, { labelSelector: 'job=four', signal: watching.signal })) {
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
        const uid = ev.object.metadata?.uid ?? '';
        if (ev.type !== 'DELETED' && isActive(ev.object)) active.add(uid);
        else active.delete(uid);
        maxActive = Math.max(maxActive, active.size);
      }
    })();
    await client.create(JOBS, jobManifest('four', { completions: 4, parallelism: 2 }, { exitAfter: '1500ms' }));
    const done = await eventually(
      async () => {
        const job = await getJob('four');
        assert.ok(condition(job, 'Complete'), `Complete (status ${JSON.stringify(job.status)})`);
        return job;
      },
      60_000,
      500,
    );
    watching.abort();
    await watched.catch(() => undefined);
    assert.equal(maxActive, 2, 'parallelism 2 was reached and never exceeded');
    assert.equal(done.status?.succeeded, 4);
    assert.equal(done.status?.failed ?? 0, 0);
    assert.equal(done.status?.active ?? 0, 0);
    assert.equal(condition(done, 'Complete')?.reason, 'CompletionsReached');
    assert.ok(done.status?.startTime && done.status.completionTime);
    const pods = await podsOf('four');
    assert.equal(pods.length, 4);
    for (const pod of pods) {
      assert.equal(pod.status?.phase, 'Succeeded');
      assert.ok(!pod.metadata?.finalizers?.includes('batch.kubernetes.io/job-tracking'), 'counted pods lost the tracking finalizer');
    }
  });

  it('an Indexed Job runs indexes 0..n-1, one pod each, and reports completedIndexes', async () => {
    await client.create(JOBS, jobManifest('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, { exitAfter: '1s' }));
    const job = await eventually(
      async () => {
        const j = await getJob('indexed');
        assert.ok(condition(j, 'Complete'));
        return j;
      },
      45_000,
      500,
    );
    assert.equal(job.status?.completedIndexes, '0-2');
    assert.equal(job.status?.succeeded, 3);
    const pods = await podsOf('indexed');
    const indexes = pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
    for (const pod of pods) {
      const index = pod.metadata!.annotations!['batch.kubernetes.io/job-completion-index'];
      assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], index);
      assert.equal(pod.spec?.hostname, `indexed-${index}`);
      assert.ok(pod.metadata?.name?.startsWith(`indexed-${index}-`));
    }
  });

  it('failing pods reach backoffLimit: Failed with BackoffLimitExceeded', async () => {
    await client.create(JOBS, jobManifest('crash', { backoffLimit: 1 }, { exitAfter: '500ms', exitCode: 3 }));
    const job = await eventually(
      async () => {
        const j = await getJob('crash');
        assert.ok(condition(j, 'Failed'), `Failed (status ${JSON.stringify(j.status)})`);
        return j;
      },
      60_000,
      500,
    );
    assert.equal(condition(job, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(condition(job, 'Failed')?.message, 'Job has reached the specified backoff limit');
    assert.equal(job.status?.failed, 2);
    assert.equal((await podsOf('crash')).length, 2, 'one pod, then one replacement after the back-off');
  });

  it('activeDeadlineSeconds: Failed with DeadlineExceeded and its pods deleted', async () => {
    await client.create(JOBS, jobManifest('slow', { activeDeadlineSeconds: 3, parallelism: 2, completions: 2 }));
    const job = await eventually(
      async () => {
        const j = await getJob('slow');
        assert.ok(condition(j, 'Failed'));
        return j;
      },
      45_000,
      500,
    );
    assert.equal(condition(job, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(condition(job, 'Failed')?.message, 'Job was active longer than specified deadline');
    await eventually(async () => assert.equal((await podsOf('slow')).filter(isActive).length, 0), 30_000, 500);
  });

  it('ttlSecondsAfterFinished removes the finished Job and its pods', async () => {
    await client.create(JOBS, jobManifest('brief', { ttlSecondsAfterFinished: 2 }, { exitAfter: '500ms' }));
    await eventually(async () => assert.ok(condition(await getJob('brief'), 'Complete')), 30_000, 500);
    await eventually(
      async () => {
        await assert.rejects(getJob('brief'), (err: { code?: number }) => err.code === 404);
        assert.equal((await podsOf('brief')).length, 0);
      },
      45_000,
      500,
    );
  });

  it('deleting a running Job in the background takes its pods with it: none hangs on the tracking finalizer', async () => {
    await client.create(JOBS, jobManifest('doomed', { parallelism: 2, completions: 2 }));
    await eventually(async () => assert.equal((await podsOf('doomed')).filter((p) => p.status?.phase === 'Running').length, 2), 30_000, 500);
    await client.delete(JOBS, NS, 'doomed', { propagationPolicy: 'Background' });
    await eventually(
      async () =>
        assert.deepEqual(
          (await podsOf('doomed')).map((p) => p.metadata?.name),
          [],
        ),
      45_000,
      500,
    );
  });

  it('podgc deletes the pods of a node that no longer exists', async () => {
    const node = `${cp.kubeletPrefix(3)}0`;
    await client.create<Pod>(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stranded', namespace: NS },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'registry.local/work:1' }] },
    });
    await eventually(async () => assert.equal((await client.get<Pod>(PODS, NS, 'stranded')).status?.phase, 'Running'), 30_000, 500);
    await cp.kubelets[3]!.kill(); // a crash: the node object and its pods stay behind
    await client.delete(NODES, undefined, node);
    await eventually(
      async () =>
        assert.equal(
          (await client.list<Node>(NODES)).items.some((n) => n.metadata?.name === node),
          false,
        ),
      10_000,
    );
    await eventually(
      async () => {
        await assert.rejects(client.get<Pod>(PODS, NS, 'stranded'), (err: { code?: number }) => err.code === 404);
      },
      90_000,
      1000,
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeJobWorld, newJob } from './fake-job-world.ts';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './util.ts';

function condition(world: FakeJobWorld, type: string) {
  const c = world.job().status?.conditions?.find((x) => x.type === type);
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}

test('completions 4, parallelism 2: never more than 2 active, Complete with succeeded 4', async () => {
  const world = new FakeJobWorld(newJob({ completions: 4, parallelism: 2 }));
  let maxActive = 0;
  for (let round = 0; round < 10 && !condition(world, 'Complete'); round++) {
    await world.sync();
    maxActive = Math.max(maxActive, world.activePods().length);
    assert.ok(
      world.activePods().every((p) => p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)),
      'pods are created with the tracking finalizer',
    );
    for (const pod of world.activePods()) world.finishPod(pod, 0);
  }
  assert.equal(maxActive, 2);
  const status = world.job().status!;
  assert.equal(status.succeeded, 4);
  assert.equal(status.failed ?? 0, 0);
  assert.equal(status.active, 0);
  assert.deepEqual(condition(world, 'Complete'), { status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
  assert.equal(condition(world, 'SuccessCriteriaMet')?.status, 'True');
  assert.ok(status.completionTime && status.startTime);
  assert.deepEqual(status.uncountedTerminatedPods, { succeeded: [], failed: [] });
  assert.equal(world.podList().length, 4);
  assert.ok(
    world.podList().every((p) => !p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)),
    'every counted pod lost its finalizer',
  );
  assert.ok(world.events.includes('Normal Completed: Job completed'));
});

test('a finished pod is counted once, even when the sync runs again on the same cache', async () => {
  const world = new FakeJobWorld(newJob({ completions: 3, parallelism: 1 }));
  await world.sync();
  world.finishPod(world.activePods()[0]!, 0);
  await world.sync();
  await world.sync();
  assert.equal(world.job().status?.succeeded, 1);
  assert.equal(world.activePods().length, 1);
});

test('Indexed: pods get indexes 0..n-1 as annotation, label, env and hostname; completedIndexes', async () => {
  const world = new FakeJobWorld(newJob({ completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  await world.sync();
  const pods = world.activePods();
  assert.deepEqual(pods.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX]).sort(), ['0', '1', '2']);
  for (const pod of pods) {
    const index = pod.metadata!.annotations![JOB_COMPLETION_INDEX];
    assert.equal(pod.metadata?.labels?.[JOB_COMPLETION_INDEX], index);
    assert.equal(pod.spec?.hostname, `pi-${index}`);
    assert.match(pod.metadata!.name!, new RegExp(`^pi-${index}-`));
    assert.deepEqual(pod.spec?.containers[0]?.env, [
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } },
    ]);
  }
  world.finishPod(pods.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === '1')!, 0);
  world.finishPod(pods.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === '0')!, 1);
  await world.sync();
  assert.equal(world.job().status?.completedIndexes, '1');
  // The failed index 0 comes back after the back-off; index 1 is never run again.
  world.now = new Date(world.now.getTime() + 11_000);
  await world.sync();
  assert.deepEqual(
    world
      .activePods()
      .map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX])
      .sort(),
    ['0', '2'],
  );
  for (const pod of world.activePods()) world.finishPod(pod, 0);
  await world.sync();
  assert.equal(world.job().status?.completedIndexes, '0-2');
  assert.equal(world.job().status?.succeeded, 3);
  assert.equal(condition(world, 'Complete')?.status, 'True');
});

test('backoffLimit: failures wait out 10 s then 20 s, and past the limit the Job fails with BackoffLimitExceeded', async () => {
  const world = new FakeJobWorld(newJob({ backoffLimit: 2 }));
  await world.sync();
  world.finishPod(world.activePods()[0]!, 1);
  const result = await world.sync();
  assert.equal(world.activePods().length, 0, 'no replacement during the back-off');
  assert.deepEqual(result, { requeueAfter: 10_000 });
  world.now = new Date(world.now.getTime() + 10_000);
  await world.sync();
  assert.equal(world.activePods().length, 1);
  world.finishPod(world.activePods()[0]!, 1);
  assert.deepEqual(await world.sync(), { requeueAfter: 20_000 });
  world.now = new Date(world.now.getTime() + 20_000);
  await world.sync();
  world.finishPod(world.activePods()[0]!, 1);
  await world.sync();
  assert.equal(world.job().status?.failed, 3);
  assert.deepEqual(condition(world, 'Failed'), { status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
  assert.equal(condition(world, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
  assert.equal(world.job().status?.completionTime, undefined, 'a failed Job has no completionTime');
});

test('activeDeadlineSeconds: active pods are deleted and the Job fails with DeadlineExceeded once they are gone', async () => {
  const world = new FakeJobWorld(newJob({ parallelism: 2, completions: 2, activeDeadlineSeconds: 30 }));
  assert.deepEqual(await world.sync(), { requeueAfter: 30_000 });
  assert.equal(world.activePods().length, 2);
  world.now = new Date(world.now.getTime() + 30_000);
  await world.sync();
  assert.equal(world.activePods().length, 0);
  assert.equal(condition(world, 'FailureTarget')?.reason, 'DeadlineExceeded');
  assert.equal(condition(world, 'Failed'), undefined, 'not failed while pods are still terminating');
  world.confirmDeletions();
  await world.sync();
  assert.deepEqual(condition(world, 'Failed'), { status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
  assert.equal(world.podList().length, 0, 'deleted pods left once their finalizer was removed');
});

test('suspend deletes active pods and sets Suspended; resuming recreates them', async () => {
  const world = new FakeJobWorld(newJob({ parallelism: 2, completions: 4 }));
  await world.sync();
  world.editJob((job) => {
    job.spec!.suspend = true;
  });
  await world.sync();
  assert.equal(world.activePods().length, 0);
  assert.deepEqual(condition(world, 'Suspended'), { status: 'True', reason: 'JobSuspended', message: 'Job suspended' });
  world.confirmDeletions();
  await world.sync();
  world.editJob((job) => {
    job.spec!.suspend = false;
  });
  await world.sync();
  assert.equal(condition(world, 'Suspended')?.status, 'False');
  assert.equal(condition(world, 'Suspended')?.reason, 'JobResumed');
});

test('podFailurePolicy: FailJob on an exit code fails the Job; Ignore does not count the failure', async () => {
  const rules = [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
  ];
  const world = new FakeJobWorld(newJob({ backoffLimit: 6, podFailurePolicy: { rules } }));
  await world.sync();
  world.finishPod(world.activePods()[0]!, 1, [{ type: 'DisruptionTarget', status: 'True' }]);
  await world.sync();
  assert.equal(world.job().status?.failed ?? 0, 0, 'ignored');
  assert.equal(world.activePods().length, 1, 'replaced at once: an ignored failure has no back-off');
  world.finishPod(world.activePods()[0]!, 42);
  await world.sync();
  assert.deepEqual(condition(world, 'Failed'), {
    status: 'True',
    reason: 'PodFailurePolicy',
    message: `Container pi for pod default/${world.podList().at(-1)!.metadata!.name} failed with exit code 42 matching FailJob rule at index 1`,
  });
});

test('restartPolicy OnFailure: container restarts count toward the backoff limit', async () => {
  const world = new FakeJobWorld(newJob({ backoffLimit: 2 }));
  world.editJob((job) => {
    job.spec!.template.spec!.restartPolicy = 'OnFailure';
  });
  await world.sync();
  const pod = structuredClone(world.activePods()[0]!) as any;
  pod.status = { phase: 'Running', containerStatuses: [{ name: 'pi', image: 'perl', imageID: '', ready: false, restartCount: 2 }] };
  world.pods.upsert(pod);
  await world.sync();
  world.confirmDeletions();
  await world.sync();
  assert.equal(condition(world, 'Failed')?.reason, 'BackoffLimitExceeded');
});

test('no more pods than the completions still missing, counting pods that just succeeded', async () => {
  const world = new FakeJobWorld(newJob({ completions: 3, parallelism: 2 }));
  await world.sync();
  for (const pod of world.activePods()) world.finishPod(pod, 0);
  await world.sync();
  assert.equal(world.activePods().length, 1, '3 completions, 2 succeeded: one more pod');
  world.finishPod(world.activePods()[0]!, 0);
  await world.sync();
  assert.equal(world.podList().length, 3);
  assert.equal(world.job().status?.failed ?? 0, 0);
  assert.equal(condition(world, 'Complete')?.status, 'True');
});

test("a deleted Job's pods lose the tracking finalizer on their own key, so they do not hang in Terminating", async () => {
  const world = new FakeJobWorld(newJob({ parallelism: 2, completions: 2 }));
  await world.sync();
  const [pod] = world.activePods();
  const touched = { ...structuredClone(pod!), metadata: { ...structuredClone(pod!.metadata), resourceVersion: '998' } };
  assert.deepEqual(world.controller.podEvents.update!(pod!, touched), ['default/pi'], 'an owned pod of a live Job queues only its Job');
  world.jobs.remove(world.job()); // deleted in the background: the GC deletes the pods next
  const terminating = {
    ...structuredClone(pod!),
    metadata: { ...structuredClone(pod!.metadata), deletionTimestamp: world.now.toISOString(), resourceVersion: '999' },
  };
  world.pods.upsert(terminating);
  const keys = world.controller.podEvents.update!(pod!, terminating) as string[];
  const orphanKey = `orphan-pod:default/${pod!.metadata!.name}`;
  assert.deepEqual(keys, [orphanKey]);
  await world.controller.sync(orphanKey);
  assert.equal(world.pods.get('default', pod!.metadata!.name!), undefined, 'finalizer removed: the pod is gone');
});

test('deleting a Job queues its pods that still hold the finalizer, even when their last event came while the Job was cached', async () => {
  const world = new FakeJobWorld(newJob({ parallelism: 2, completions: 2 }));
  await world.sync();
  const job = world.job();
  const names = world
    .activePods()
    .map((p) => `orphan-pod:default/${p.metadata!.name}`)
    .sort();
  world.jobs.remove(job);
  const keys = world.controller.jobEvents.delete!(job) as string[];
  assert.deepEqual([keys[0], ...keys.slice(1).sort()], ['default/pi', ...names]);
  for (const key of names) await world.controller.sync(key);
  assert.deepEqual(
    world.podList().filter((p) => p.metadata?.finalizers?.includes('batch.kubernetes.io/job-tracking')),
    [],
    'every tracking finalizer removed',
  );
});

test('a Job managed by another controller (spec.managedBy) is left alone', async () => {
  const world = new FakeJobWorld(newJob({ managedBy: 'example.com/queue' }));
  await world.sync();
  assert.deepEqual(world.takeActions(), []);
  const ours = new FakeJobWorld(newJob({ managedBy: 'kubernetes.io/job-controller' }));
  await ours.sync();
  assert.equal(ours.activePods().length, 1);
});

test('a work-queue Job (parallelism, no completions) makes no new pod after a success and completes when none runs', async () => {
  const world = new FakeJobWorld(newJob({ parallelism: 2 }));
  await world.sync();
  const [first, second] = world.activePods();
  world.finishPod(first!, 0);
  await world.sync();
  assert.equal(world.podList().length, 2, 'no replacement once a pod succeeded');
  assert.equal(condition(world, 'Complete'), undefined, 'not done while a pod still runs');
  world.finishPod(second!, 0);
  await world.sync();
  assert.equal(condition(world, 'Complete')?.status, 'True');
  assert.equal(world.job().status?.succeeded, 2);
});

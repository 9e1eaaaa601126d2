import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '@skiff/api';
import { deploymentsResource, replicaSetsResource } from './sync.ts';
import { FakeWorld, newDeployment, podTemplate } from './fake-world.ts';
import { computeTemplateHash, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, ROLLBACK_TO_ANNOTATION } from './util.ts';
import { podEvents, replicaSetEvents } from './deployment-controller.ts';

const key = 'default/web';
const hashOf = (image: string) => computeTemplateHash(podTemplate(image));
const rsName = (image: string) => `web-${hashOf(image)}`;
const spec = (rs: ReplicaSet | undefined) => rs?.spec?.replicas;
const condition = (w: FakeWorld, type: string) => w.deployment().status?.conditions?.find((c) => c.type === type);

/** Create, then sync and settle until nothing changes (at most `rounds` passes). */
async function converge(w: FakeWorld, rounds = 20, available?: (rs: ReplicaSet) => number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await w.syncer.sync(key);
    const acted = w.actions.length > 0;
    w.actions.length = 0;
    w.settleReplicaSets(available);
    if (!acted) return;
  }
  throw new Error('did not converge');
}

test('create: one ReplicaSet named after the template hash, revision 1, sized at once', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 3 }));
  await w.syncer.sync(key);
  const name = rsName('nginx:1');
  assert.deepEqual(w.takeActions(), [`create replicasets/${name}`, 'patch deployments/web', 'update deployments/web/status', 'update deployments/web/status']);
  const rs = w.replicaSets.get('default', name)!;
  assert.equal(spec(rs), 3);
  assert.equal(rs.metadata!.annotations![REVISION_ANNOTATION], '1');
  assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(rs.metadata!.labels!['pod-template-hash'], hashOf('nginx:1'));
  assert.equal(rs.spec!.selector.matchLabels!['pod-template-hash'], hashOf('nginx:1'));
  assert.equal(rs.spec!.template!.metadata!.labels!['pod-template-hash'], hashOf('nginx:1'));
  assert.equal(rs.metadata!.ownerReferences![0].uid, w.deployment().metadata!.uid);
  assert.equal(rs.metadata!.ownerReferences![0].controller, true);
  assert.equal(w.deployment().metadata!.annotations![REVISION_ANNOTATION], '1');
  assert.deepEqual(w.takeEvents(), [`ScalingReplicaSet: Scaled up replica set ${name} to 3`]);
  assert.equal(condition(w, 'Progressing')?.reason, 'NewReplicaSetCreated');
  assert.equal(condition(w, 'Available')?.status, 'False');

  // Pods come up: status reports them and the rollout is complete.
  w.settleReplicaSets();
  await w.syncer.sync(key);
  const status = w.deployment().status!;
  assert.equal(status.replicas, 3);
  assert.equal(status.updatedReplicas, 3);
  assert.equal(status.availableReplicas, 3);
  assert.equal(status.observedGeneration, 1);
  assert.equal(condition(w, 'Available')?.reason, 'MinimumReplicasAvailable');
  assert.equal(condition(w, 'Progressing')?.reason, 'NewReplicaSetAvailable');
  // Nothing left to do: a resync writes nothing.
  w.takeActions();
  await w.syncer.sync(key);
  assert.deepEqual(w.takeActions(), []);
});

test('rolling update maxSurge=1 maxUnavailable=0: surge one, old goes only as new becomes available', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 3 }));
  await converge(w);
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:2')));
  const oldName = rsName('nginx:1');
  const newName = rsName('nginx:2');
  assert.notEqual(oldName, newName);

  await w.syncer.sync(key);
  assert.deepEqual(
    w.takeActions().filter((a) => a.includes('replicasets')),
    [`create replicasets/${newName}`],
  );
  assert.equal(spec(w.replicaSets.get('default', newName)), 1);
  assert.equal(w.replicaSets.get('default', newName)!.metadata!.annotations![REVISION_ANNOTATION], '2');
  // The new pod is not available yet: no old pod may go.
  w.settleReplicaSets((rs) => (rs.metadata!.name === newName ? 0 : 3));
  await w.syncer.sync(key);
  assert.deepEqual(
    w.takeActions().filter((a) => a.includes('replicasets')),
    [],
  );

  // From here pods become available one settle after they were asked for.
  let previous = new Map<string, number>();
  for (const rs of w.replicaSets.list()) previous.set(rs.metadata!.name!, rs.status?.replicas ?? 0);
  for (let i = 0; i < 30; i++) {
    const prev = previous;
    w.settleReplicaSets((rs) => prev.get(rs.metadata!.name!) ?? 0);
    const available = w.replicaSets.list().reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    assert.ok(available >= 3, `available ${available} < 3 at step ${i}`);
    await w.syncer.sync(key);
    const total = w.replicaSets.list().reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    assert.ok(total <= 4, `total ${total} > 4 at step ${i}`);
    previous = new Map(w.replicaSets.list().map((rs) => [rs.metadata!.name!, rs.status?.replicas ?? 0]));
    if (w.takeActions().length === 0) break;
  }
  assert.equal(spec(w.replicaSets.get('default', newName)), 3);
  assert.equal(spec(w.replicaSets.get('default', oldName)), 0);
  const events = w.takeEvents();
  assert.ok(events.includes(`ScalingReplicaSet: Scaled down replica set ${oldName} to 2 from 3`), events.join('\n'));
  assert.ok(events.includes(`ScalingReplicaSet: Scaled up replica set ${newName} to 2 from 1`), events.join('\n'));
  assert.equal(w.deployment().status!.updatedReplicas, 3);
  assert.equal(condition(w, 'Progressing')?.reason, 'NewReplicaSetAvailable');
  assert.equal(w.deployment().metadata!.annotations![REVISION_ANNOTATION], '2');
});

test('Recreate: old scaled to 0, new created only once old pods are gone', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 2, strategy: { type: 'Recreate' } }));
  await converge(w);
  const oldRS = w.replicaSets.get('default', rsName('nginx:1'))!;
  w.pods.upsert({
    metadata: {
      name: 'web-old-1',
      namespace: 'default',
      uid: 'p1',
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: oldRS.metadata!.name!, uid: oldRS.metadata!.uid!, controller: true }],
    },
    status: { phase: 'Running' },
  });
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:2')));

  await w.syncer.sync(key);
  assert.deepEqual(
    w.takeActions().filter((a) => a.includes('replicasets')),
    [`update replicasets/${oldRS.metadata!.name}`],
  );
  assert.equal(spec(w.replicaSets.get('default', oldRS.metadata!.name!)), 0);
  w.settleReplicaSets();
  // A pod of the old RS is still running (terminating): wait.
  await w.syncer.sync(key);
  assert.deepEqual(
    w.takeActions().filter((a) => a.includes('replicasets')),
    [],
  );
  w.pods.remove(w.pods.get('default', 'web-old-1')!);
  await w.syncer.sync(key);
  assert.deepEqual(
    w.takeActions().filter((a) => a.includes('replicasets')),
    [`create replicasets/${rsName('nginx:2')}`],
  );
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:2'))), 2);
});

test('rollback by template (kubectl rollout undo): the old RS comes back with a new revision', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 2 }));
  await converge(w);
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:2')));
  await converge(w);
  assert.equal(w.deployment().metadata!.annotations![REVISION_ANNOTATION], '2');
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:1')));
  await w.syncer.sync(key);
  const actions = w.takeActions();
  assert.ok(!actions.some((a) => a.startsWith('create')), actions.join('\n'));
  const back = w.replicaSets.get('default', rsName('nginx:1'))!;
  assert.equal(back.metadata!.annotations![REVISION_ANNOTATION], '3');
  assert.equal(back.metadata!.annotations![REVISION_HISTORY_ANNOTATION], '1');
  assert.equal(w.deployment().metadata!.annotations![REVISION_ANNOTATION], '3');
  w.settleReplicaSets();
  await converge(w);
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:1'))), 2);
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:2'))), 0);
  assert.equal(w.replicaSets.list().length, 2);
});

test('rollback by annotation: template of the previous revision, annotation cleared, event', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 1 }));
  await converge(w);
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:2')));
  await converge(w);
  w.takeEvents();
  w.editDeployment((d) => (d.metadata!.annotations = { ...d.metadata!.annotations, [ROLLBACK_TO_ANNOTATION]: '0' }));
  await w.syncer.sync(key);
  assert.deepEqual(w.takeActions(), ['update deployments/web']);
  const d = w.deployment();
  assert.equal(d.spec!.template!.spec!.containers[0].image, 'nginx:1');
  assert.equal(d.spec!.template!.metadata!.labels!['pod-template-hash'], undefined);
  assert.equal(d.metadata!.annotations![ROLLBACK_TO_ANNOTATION], undefined);
  assert.deepEqual(w.takeEvents(), ['DeploymentRollback: Rolled back deployment "web" to revision 1']);
  await converge(w);
  assert.equal(w.replicaSets.get('default', rsName('nginx:1'))!.metadata!.annotations![REVISION_ANNOTATION], '3');
});

test('paused: a template change does not roll; scaling still happens', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 2 }));
  await converge(w);
  w.editDeployment((d) => {
    d.spec!.paused = true;
    d.spec!.template = podTemplate('nginx:2');
  });
  await converge(w);
  assert.equal(w.replicaSets.list().length, 1);
  assert.equal(condition(w, 'Progressing')?.reason, 'DeploymentPaused');
  w.editDeployment((d) => (d.spec!.replicas = 4));
  await converge(w);
  assert.equal(w.replicaSets.list().length, 1);
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:1'))), 4);
  w.editDeployment((d) => (d.spec!.paused = false));
  await converge(w);
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:2'))), 4);
  assert.equal(condition(w, 'Progressing')?.reason, 'NewReplicaSetAvailable');
});

test('scaling mid-rollout is proportional', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } } }));
  await converge(w);
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:2')));
  await w.syncer.sync(key); // new RS at 2 (surge), old 4
  w.settleReplicaSets((rs) => (rs.metadata!.name === rsName('nginx:2') ? 0 : 4));
  w.takeActions();
  w.editDeployment((d) => (d.spec!.replicas = 8));
  await w.syncer.sync(key);
  // allowed 8 + 2 = 10, current 6, +4 split 4:2 → old 4→7? kube: old +3 (4·10/6 = 6.67 → 7), new +1 (2·10/6 = 3.33 → 3).
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:1'))), 7);
  assert.equal(spec(w.replicaSets.get('default', rsName('nginx:2'))), 3);
});

test('revisionHistoryLimit removes the oldest empty ReplicaSets', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 1 }));
  await converge(w);
  w.editDeployment((d) => (d.spec!.revisionHistoryLimit = 1));
  for (const image of ['nginx:2', 'nginx:3']) {
    w.editDeployment((d) => (d.spec!.template = podTemplate(image)));
    await converge(w);
  }
  const names = w.replicaSets
    .list()
    .map((rs) => rs.metadata!.name)
    .sort();
  assert.deepEqual(names, [rsName('nginx:2'), rsName('nginx:3')].sort());
});

test('progress deadline: no progress for progressDeadlineSeconds → ProgressDeadlineExceeded, with a requeue before', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 2 }));
  w.editDeployment((d) => (d.spec!.progressDeadlineSeconds = 30));
  await w.syncer.sync(key);
  w.settleReplicaSets(() => 0);
  await w.syncer.sync(key); // status catches up (replicas reported): progress
  w.now = new Date(w.now.getTime() + 10_000);
  const result = await w.syncer.sync(key);
  assert.ok(result && result.requeueAfter > 0 && result.requeueAfter <= 31_000, JSON.stringify(result));
  w.now = new Date(w.now.getTime() + 31_000);
  await w.syncer.sync(key);
  assert.equal(condition(w, 'Progressing')?.reason, 'ProgressDeadlineExceeded');
  assert.equal(condition(w, 'Progressing')?.status, 'False');
});

test('event routing: RS events enqueue the owner by UID; orphans enqueue selecting deployments', () => {
  const w = new FakeWorld();
  const d = w.create(deploymentsResource, newDeployment());
  const events = replicaSetEvents(w.deployments);
  const owned = (uid: string): ReplicaSet => ({
    metadata: {
      name: 'web-x',
      namespace: 'default',
      resourceVersion: '5',
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid, controller: true }],
    },
  });
  const keys = [
    events.add!(owned(d.metadata!.uid!)),
    events.add!(owned('another-uid')),
    events.add!({ metadata: { name: 'orphan', namespace: 'default', labels: { app: 'web' } } }),
    events.add!({ metadata: { name: 'stranger', namespace: 'default', labels: { app: 'db' } } }),
    events.update!(owned(d.metadata!.uid!), owned(d.metadata!.uid!)),
    events.delete!(owned(d.metadata!.uid!)),
  ]
    .flat()
    .filter((k) => k !== undefined);
  assert.deepEqual(keys, [key, key, key]);
});

test('event routing: a deleted pod wakes its deployment only under Recreate', () => {
  const w = new FakeWorld();
  const d = w.create(deploymentsResource, newDeployment());
  const ref = (kind: string, name: string, uid: string) => [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
  const rs = w.create<ReplicaSet>(replicaSetsResource, {
    metadata: { name: 'web-x', namespace: 'default', ownerReferences: ref('Deployment', 'web', d.metadata!.uid!) },
  });
  const pod = { metadata: { name: 'web-x-1', namespace: 'default', ownerReferences: ref('ReplicaSet', 'web-x', rs.metadata!.uid!) } };
  assert.equal(podEvents(w.deployments, w.replicaSets).delete!(pod), undefined, 'RollingUpdate ignores pods');
  w.editDeployment((dep) => (dep.spec!.strategy = { type: 'Recreate' }));
  assert.equal(podEvents(w.deployments, w.replicaSets).delete!(pod), key);
});

test('rolling update: an unhealthy old pod is cleaned up first, but not while the surge pod is unavailable too', async () => {
  const w = new FakeWorld();
  w.create(deploymentsResource, newDeployment({ replicas: 3 }));
  await converge(w);
  w.editDeployment((d) => (d.spec!.template = podTemplate('nginx:2')));
  await w.syncer.sync(key); // surge: new RS at 1
  const oldName = rsName('nginx:1');
  // One old pod broke; the new one is not available yet: 4 − 3 − 1 = 0 may go.
  w.settleReplicaSets((rs) => (rs.metadata!.name === oldName ? 2 : 0));
  w.takeActions();
  await w.syncer.sync(key);
  assert.deepEqual(
    w.takeActions().filter((a) => a.includes('replicasets')),
    [],
  );
  // The new pod is available: the broken old pod is the one to go.
  w.settleReplicaSets((rs) => (rs.metadata!.name === oldName ? 2 : 1));
  await w.syncer.sync(key);
  assert.equal(spec(w.replicaSets.get('default', oldName)), 2);
});

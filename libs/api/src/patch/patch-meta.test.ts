import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchMetaFor } from './patch-meta.ts';

// Spot checks of facts transcribed from Kubernetes' patchStrategy / patchMergeKey tags.
const facts: Array<{ typeKey: string; path: string[]; strategy?: string; mergeKey?: string }> = [
  { typeKey: 'v1/Pod', path: ['spec', 'containers'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'v1/Pod', path: ['spec', 'containers', 'ports'], strategy: 'merge', mergeKey: 'containerPort' },
  { typeKey: 'v1/Pod', path: ['spec', 'initContainers', 'env'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'v1/Pod', path: ['spec', 'containers', 'volumeMounts'], strategy: 'merge', mergeKey: 'mountPath' },
  { typeKey: 'v1/Pod', path: ['spec', 'containers', 'envFrom'] },
  { typeKey: 'v1/Pod', path: ['spec', 'tolerations'] },
  { typeKey: 'v1/Pod', path: ['spec', 'hostAliases'], strategy: 'merge', mergeKey: 'ip' },
  { typeKey: 'v1/Pod', path: ['status', 'containerStatuses'] },
  { typeKey: 'v1/Pod', path: ['metadata', 'finalizers'], strategy: 'merge' },
  { typeKey: 'v1/Pod', path: ['metadata', 'ownerReferences'], strategy: 'merge', mergeKey: 'uid' },
  { typeKey: 'v1/Service', path: ['spec', 'ports'], strategy: 'merge', mergeKey: 'port' },
  { typeKey: 'v1/Endpoints', path: ['subsets'] },
  { typeKey: 'v1/Node', path: ['spec', 'taints'] },
  { typeKey: 'v1/Node', path: ['spec', 'podCIDRs'], strategy: 'merge' },
  { typeKey: 'v1/Node', path: ['status', 'addresses'], strategy: 'merge', mergeKey: 'type' },
  { typeKey: 'apps/v1/Deployment', path: ['spec', 'template', 'spec', 'volumes'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'apps/v1/ReplicaSet', path: ['spec', 'template', 'spec', 'containers', 'env'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'apps/v1/StatefulSet', path: ['status', 'conditions'], strategy: 'merge', mergeKey: 'type' },
  { typeKey: 'v1/ReplicationController', path: ['spec', 'template', 'spec', 'containers'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'batch/v1/Job', path: ['spec', 'template', 'spec', 'imagePullSecrets'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'batch/v1/Job', path: ['status', 'conditions'], strategy: 'merge', mergeKey: 'type' },
  { typeKey: 'batch/v1/CronJob', path: ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'apps/v1/DaemonSet', path: ['spec', 'template', 'spec', 'containers'], strategy: 'merge', mergeKey: 'name' },
  { typeKey: 'apps/v1/DaemonSet', path: ['status', 'conditions'], strategy: 'merge', mergeKey: 'type' },
  { typeKey: 'apps/v1/StatefulSet', path: ['spec', 'template', 'spec', 'containers', 'ports'], strategy: 'merge', mergeKey: 'containerPort' },
  { typeKey: 'apps/v1/StatefulSet', path: ['spec', 'volumeClaimTemplates'] },
];

for (const f of facts) {
  test(`patchMetaFor(${f.typeKey}) ${f.path.join('.')}: ${f.strategy ?? 'atomic'}${f.mergeKey ? ` by ${f.mergeKey}` : ''}`, () => {
    let type = patchMetaFor(f.typeKey);
    let field;
    for (const name of f.path) {
      assert.ok(type, `no type before ${name}`);
      field = type[name];
      type = field?.type;
    }
    assert.equal(field?.strategy, f.strategy);
    assert.equal(field?.mergeKey, f.mergeKey);
  });
}

test('patchMetaFor: unknown kinds have no metadata; other versions of a known group/kind do', () => {
  assert.equal(patchMetaFor('example.com/v1/Widget'), undefined);
  assert.equal(patchMetaFor('v2/Pod'), patchMetaFor('v1/Pod'));
  assert.equal(patchMetaFor('apps/v1beta1/Deployment'), patchMetaFor('apps/v1/Deployment'));
  assert.equal(patchMetaFor('v1/Deployment'), undefined);
  assert.ok(patchMetaFor('apps/v1/Deployment')?.spec?.type?.strategy?.retainKeys);
});

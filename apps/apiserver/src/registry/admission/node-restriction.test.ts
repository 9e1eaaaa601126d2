import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type Pod } from '@skiff/api';
import { ApiError } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { AdmissionAttributes } from './admission.ts';
import { forbiddenNodeLabels, modifiedLabels } from './node-restriction-labels.ts';
import { nodeRestrictionAdmission } from './node-restriction.ts';

const n1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const pods = findResource('', 'v1', 'pods')!;
const nodes = findResource('', 'v1', 'nodes')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const claims = findResource('', 'v1', 'persistentvolumeclaims')!;
const serviceAccounts = findResource('', 'v1', 'serviceaccounts')!;

/** A context whose watched collections hold `objects` (by resource). */
function fakeContext(objects: Record<string, KubeObject[]>): RegistryContext {
  return {
    watched: {
      of: (res: { resource: string }) => ({
        synced: Promise.resolve(),
        get: (ns: string | undefined, name: string) => (objects[res.resource] ?? []).find((o) => o.metadata.name === name && o.metadata.namespace === ns),
      }),
    },
  } as unknown as RegistryContext;
}

const onN1 = {
  metadata: { name: 'web', namespace: 'default', uid: 'pod-uid', labels: { app: 'web' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
} as KubeObject;
const onN2 = { metadata: { name: 'api', namespace: 'default', uid: 'api-uid' }, spec: { nodeName: 'n2', containers: [{ name: 'c' }] } } as KubeObject;
const ctx = fakeContext({ pods: [onN1, onN2], nodes: [{ metadata: { name: 'n1', uid: 'node-uid' } }] });

function attrs(partial: Partial<AdmissionAttributes> & Pick<AdmissionAttributes, 'res' | 'operation' | 'name'>): AdmissionAttributes {
  return { subresource: '', namespace: undefined, user: n1, dryRun: false, ...partial };
}

async function refusal(a: AdmissionAttributes): Promise<string | undefined> {
  try {
    await nodeRestrictionAdmission.validate!(ctx, a);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return `${err.code} ${err.message}`;
  }
}

function mirrorPod(extra: Partial<Pod['spec']> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    metadata: {
      name: 'static-web-n1',
      namespace: 'default',
      annotations: { 'kubernetes.io/config.mirror': 'hash' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }],
      ...meta,
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...extra },
  } as KubeObject;
}

test('NodeRestriction: other users pass untouched', async () => {
  await nodeRestrictionAdmission.validate!(
    ctx,
    attrs({
      res: nodes,
      operation: 'UPDATE',
      name: 'n2',
      user: { username: 'admin', groups: ['system:masters'] },
      object: { metadata: { name: 'n2' } },
      oldObject: { metadata: { name: 'n2' } },
    }),
  );
});

test('NodeRestriction: pods — mirror pods only, and only pods bound to itself', async () => {
  const create = (object: KubeObject) => refusal(attrs({ res: pods, operation: 'CREATE', name: object.metadata.name!, namespace: 'default', object }));
  assert.equal(await create(mirrorPod()), undefined);
  assert.equal(
    await create({ ...mirrorPod(), metadata: { name: 'plain', namespace: 'default' } }),
    '403 pods "plain" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
  );
  assert.match((await create(mirrorPod({ nodeName: 'n2' })))!, /node "n1" can only create pods with spec.nodeName set to itself/);
  assert.match((await create(mirrorPod({ volumes: [{ name: 's', secret: { secretName: 'x' } }] })))!, /can not create pods that reference secrets/);
  assert.match((await create(mirrorPod({ serviceAccountName: 'default' })))!, /can not create pods that reference a service account/);
  assert.match((await create(mirrorPod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'x' } }] })))!, /reference persistentvolumeclaims/);
  assert.match((await create(mirrorPod({ containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cm' } }] }] })))!, /reference configmaps/);
  assert.match(
    (await create(mirrorPod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'other', controller: true }] })))!,
    /node n1 UID mismatch: expected node-uid got other/,
  );
  assert.match((await create(mirrorPod({}, { ownerReferences: [] })))!, /owner reference set to itself/);

  const status = (oldObject: KubeObject, object = oldObject) =>
    refusal(attrs({ res: pods, subresource: 'status', operation: 'UPDATE', name: oldObject.metadata.name!, namespace: 'default', object, oldObject }));
  assert.equal(await status(onN1), undefined);
  assert.equal(await status(onN2), '403 pods "api" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  assert.match((await status(onN1, { ...onN1, metadata: { ...onN1.metadata, labels: { app: 'evil' } } }))!, /cannot update labels through pod status/);

  const del = (oldObject: KubeObject) => refusal(attrs({ res: pods, operation: 'DELETE', name: oldObject.metadata.name!, namespace: 'default', oldObject }));
  assert.equal(await del(onN1), undefined);
  assert.match((await del(onN2))!, /node "n1" can only delete pods with spec.nodeName set to itself/);
  assert.match(
    (await refusal(attrs({ res: pods, operation: 'UPDATE', name: 'web', namespace: 'default', object: onN1, oldObject: onN1 })))!,
    /unexpected operation "UPDATE", node "n1" can only create and delete mirror pods/,
  );
  assert.match(
    (await refusal(attrs({ res: pods, subresource: 'binding', operation: 'CREATE', name: 'web', namespace: 'default', object: onN1 })))!,
    /unexpected subresource "binding"/,
  );
});

test('NodeRestriction: nodes — only its own, reserved labels and taints kept', async () => {
  const node = (name: string, labels: Record<string, string> = {}, taints?: unknown[]) =>
    ({ metadata: { name, labels }, spec: taints ? { taints } : {} }) as KubeObject;
  const update = (before: KubeObject, after: KubeObject) =>
    refusal(attrs({ res: nodes, operation: 'UPDATE', name: after.metadata.name!, object: after, oldObject: before }));
  assert.equal(await update(node('n2'), node('n2', { a: 'b' })), '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(
    await update(node('n1'), node('n1', { 'skiff.dev/lab-node': 'n1', 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/exclude': 'x' })),
    undefined,
  );
  assert.equal(
    await update(node('n1'), node('n1', { 'node-restriction.kubernetes.io/secure': 'true' })),
    '403 nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/secure',
  );
  assert.match(
    (await update(node('n1', { 'node-role.kubernetes.io/control-plane': '' }), node('n1')))!,
    /is not allowed to modify labels: node-role.kubernetes.io\/control-plane/,
  );
  const taint = { key: 'k', effect: 'NoSchedule' };
  assert.equal(await update(node('n1', {}, [taint]), node('n1', {}, [])), '403 nodes "n1" is forbidden: is not allowed to modify taints');
  const create = (after: KubeObject) => refusal(attrs({ res: nodes, operation: 'CREATE', name: after.metadata.name!, object: after }));
  assert.equal(await create(node('n1', { 'kubernetes.io/os': 'linux' }, [taint])), undefined, 'taints at registration are fine');
  assert.equal(
    await create(node('n1', { 'example.k8s.io/x': '1', 'node-restriction.kubernetes.io/a': '1' })),
    '403 nodes "n1" is forbidden: is not allowed to set the following labels: example.k8s.io/x, node-restriction.kubernetes.io/a',
  );
  assert.match((await refusal(attrs({ res: nodes, operation: 'DELETE', name: 'n2', oldObject: node('n2') })))!, /not allowed to modify node "n2"/);
});

test('NodeRestriction: leases, claim status and tokens', async () => {
  const lease = (ns: string, name: string, operation: AdmissionAttributes['operation'] = 'UPDATE') =>
    refusal(attrs({ res: leases, operation, name, namespace: ns, object: { metadata: { name, namespace: ns } } }));
  assert.equal(await lease('kube-node-lease', 'n1'), undefined);
  assert.equal(await lease('kube-node-lease', 'n1', 'CREATE'), undefined);
  assert.match((await lease('kube-node-lease', 'n2'))!, /can only access node lease with the same name as the requesting node/);
  assert.match((await lease('default', 'n1'))!, /can only access leases in the "kube-node-lease" system namespace/);

  const pvc = { metadata: { name: 'data', namespace: 'default', resourceVersion: '5' }, spec: { resources: {} }, status: { phase: 'Bound' } } as KubeObject;
  const claimStatus = (object: KubeObject, subresource = 'status') =>
    refusal(attrs({ res: claims, subresource, operation: 'UPDATE', name: 'data', namespace: 'default', object, oldObject: pvc }));
  assert.equal(
    await claimStatus({ ...pvc, metadata: { ...pvc.metadata, resourceVersion: '' }, status: { phase: 'Bound', capacity: { storage: '2Gi' } } }),
    undefined,
  );
  assert.match((await claimStatus({ ...pvc, status: { phase: 'Lost' } }))!, /not allowed to update fields other than status.capacity and status.conditions/);
  assert.match((await claimStatus(pvc, ''))!, /may only update PVC status/);

  const token = (ref: unknown) =>
    refusal(
      attrs({
        res: serviceAccounts,
        subresource: 'token',
        operation: 'CREATE',
        name: 'default',
        namespace: 'default',
        object: { metadata: {}, spec: { boundObjectRef: ref } } as KubeObject,
      }),
    );
  assert.equal(await token({ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-uid' }), undefined);
  assert.match((await token(undefined))!, /node requested token not bound to a pod/);
  assert.match((await token({ apiVersion: 'v1', kind: 'Pod', name: 'web' }))!, /without a uid/);
  assert.match((await token({ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'old' }))!, /does not match the UID in record/);
  assert.match((await token({ apiVersion: 'v1', kind: 'Pod', name: 'api', uid: 'api-uid' }))!, /bound to a pod scheduled on a different node/);
  assert.match((await token({ apiVersion: 'v1', kind: 'Pod', name: 'gone', uid: 'x' }))!, /^404 pods "gone" not found/);
});

test('node labels: what a kubelet may set on itself', () => {
  assert.deepEqual(modifiedLabels({ a: '1', b: '2' }, { a: '1', b: '3', c: '4' }).sort(), ['b', 'c']);
  assert.deepEqual(forbiddenNodeLabels(['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'x.kubelet.kubernetes.io/y', 'team', 'example.com/a']), []);
  assert.deepEqual(forbiddenNodeLabels(['a.node-restriction.kubernetes.io/b', 'kubernetes.io/role', 'k8s.io/x']), [
    'a.node-restriction.kubernetes.io/b',
    'k8s.io/x',
    'kubernetes.io/role',
  ]);
});

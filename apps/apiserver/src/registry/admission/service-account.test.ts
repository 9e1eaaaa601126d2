import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { ApiError, errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { AdmissionAttributes } from './admission.ts';
import { mountServiceAccountToken, serviceAccountAdmission, serviceAccountVolume } from './service-account.ts';

const pods = findResourceByKind('v1', 'Pod')!;
const MOUNT = { name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

function ctxWith(accounts: KubeObject[]): RegistryContext {
  const get = (ns: string | undefined, name: string) => accounts.find((a) => a.metadata.namespace === ns && a.metadata.name === name);
  return {
    watched: { of: () => ({ isSynced: true, synced: Promise.resolve(), get }) },
    store: { get: (res: { resource: string }, _ns: string, name: string) => Promise.reject(errors.notFound({ group: '', resource: res.resource }, name)) },
  } as unknown as RegistryContext;
}

function attrsFor(pod: KubeObject, operation: AdmissionAttributes['operation'] = 'CREATE'): AdmissionAttributes {
  return {
    res: pods,
    subresource: '',
    operation,
    namespace: 'team',
    name: pod.metadata.name!,
    object: pod,
    user: { username: 'u', groups: [] },
    dryRun: false,
  };
}

function podWith(spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'x', namespace: 'team', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
  } as KubeObject;
}

const account = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'team', uid: `${name}-uid` }, ...extra }) as KubeObject;

test("the projected volume is upstream's, byte for byte", () => {
  assert.deepEqual(JSON.parse(JSON.stringify(serviceAccountVolume('kube-api-access-abcde'))), {
    name: 'kube-api-access-abcde',
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  });
});

test('every container and init container without a mount at the path gets one; the volume once', () => {
  const spec = {
    initContainers: [{ name: 'init' }],
    containers: [
      { name: 'a', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      { name: 'b', volumeMounts: [{ name: 'own', mountPath: MOUNT.mountPath }] },
    ],
    volumes: [{ name: 'data' }],
  };
  mountServiceAccountToken(spec, () => 'abcde');
  assert.deepEqual(spec.initContainers[0], { name: 'init', volumeMounts: [MOUNT] });
  assert.deepEqual(spec.containers[0]!.volumeMounts, [{ name: 'data', mountPath: '/data' }, MOUNT]);
  assert.deepEqual(spec.containers[1]!.volumeMounts, [{ name: 'own', mountPath: MOUNT.mountPath }]);
  assert.deepEqual(
    spec.volumes.map((v) => v.name),
    ['data', 'kube-api-access-abcde'],
  );
});

test('no volume when every container mounts the path itself; an existing kube-api-access volume is reused', () => {
  const own = { containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: MOUNT.mountPath }] }] } as {
    containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
    volumes?: { name: string }[];
  };
  mountServiceAccountToken(own, () => 'abcde');
  assert.equal(own.volumes, undefined);
  const copied = { containers: [{ name: 'a' }], volumes: [serviceAccountVolume('kube-api-access-zzzzz') as { name: string }] };
  mountServiceAccountToken(copied, () => 'abcde');
  assert.equal(copied.volumes.length, 1);
  assert.deepEqual(copied.containers[0], { name: 'a', volumeMounts: [{ ...MOUNT, name: 'kube-api-access-zzzzz' }] });
});

test("admission: default account, the token volume, and the account's pull secrets", async () => {
  const pod = podWith({});
  await serviceAccountAdmission.admit!(ctxWith([account('default', { imagePullSecrets: [{ name: 'regcred' }] })]), attrsFor(pod));
  const spec = pod.spec as { serviceAccountName: string; serviceAccount: string; volumes: { name: string }[]; imagePullSecrets: unknown };
  assert.equal(spec.serviceAccountName, 'default');
  assert.equal(spec.serviceAccount, 'default');
  assert.match(spec.volumes[0]!.name, /^kube-api-access-[a-z0-9]{5}$/);
  assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
});

const automount: { name: string; pod: boolean | undefined; sa: boolean | undefined; mounted: boolean }[] = [
  { name: 'neither says', pod: undefined, sa: undefined, mounted: true },
  { name: 'the account opts out', pod: undefined, sa: false, mounted: false },
  { name: 'the pod opts out', pod: false, sa: true, mounted: false },
  { name: 'the pod opts in over its account', pod: true, sa: false, mounted: true },
];
for (const c of automount) {
  test(`automount when ${c.name}: ${c.mounted}`, async () => {
    const pod = podWith({ serviceAccountName: 'builder', ...(c.pod === undefined ? {} : { automountServiceAccountToken: c.pod }) });
    await serviceAccountAdmission.admit!(ctxWith([account('builder', c.sa === undefined ? {} : { automountServiceAccountToken: c.sa })]), attrsFor(pod));
    assert.equal(((pod.spec as { volumes?: unknown[] }).volumes ?? []).length, c.mounted ? 1 : 0);
  });
}

test("a named account that does not exist is refused in upstream's words; the deprecated field names it too", async () => {
  const err = await Promise.resolve(serviceAccountAdmission.admit!(ctxWith([]), attrsFor(podWith({ serviceAccount: 'ghost' })))).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 403);
  assert.equal(err.message, 'pods "x" is forbidden: error looking up service account team/ghost: serviceaccount "ghost" not found');
});

test('mirror pods, updates and other kinds are left alone', async () => {
  const mirror = podWith({}, { 'kubernetes.io/config.mirror': 'hash' });
  await serviceAccountAdmission.admit!(ctxWith([]), attrsFor(mirror));
  assert.equal((mirror.spec as { serviceAccountName?: string }).serviceAccountName, undefined);
  const update = podWith({});
  await serviceAccountAdmission.admit!(ctxWith([]), attrsFor(update, 'UPDATE'));
  assert.equal((update.spec as { volumes?: unknown }).volumes, undefined);
});

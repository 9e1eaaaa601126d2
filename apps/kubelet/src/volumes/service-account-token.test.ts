import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod, Volume } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { TokenManager, VolumeError, VolumeManager, type TokenRequestSpec, type VolumeSources } from './index.ts';
import { unmountAllUnder } from './tmpfs.ts';

/** tmpfs mounts need root; `npm test` runs without it and skips them. */
const root = process.getuid?.() === 0;

const work = mkdtempSync(join(tmpdir(), 'k2-satoken-'));
after(async () => {
  await unmountAllUnder(work);
  rmSync(work, { recursive: true, force: true });
});

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const configMaps = new Map<string, ConfigMap>([['shop/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': CA } }]]);
const sources: VolumeSources = {
  getConfigMap: async (ns, name) => configMaps.get(`${ns}/${name}`),
  getSecret: async () => undefined,
  getPersistentVolumeClaim: async () => undefined,
  getPersistentVolume: async () => undefined,
};
const info = { podIP: '10.202.0.7', hostIP: '192.168.1.2' };

/** The volume the ServiceAccount admission plugin adds to every pod (upstream's shape). */
const kubeApiAccess: Volume = {
  name: 'kube-api-access-x7k2p',
  projected: {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

function pod(uid: string, volumes: Volume[], serviceAccountName = 'builder'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', uid },
    spec: {
      serviceAccountName,
      volumes,
      containers: [
        { name: 'c', image: 'busybox', volumeMounts: [{ name: volumes[0]!.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] },
      ],
    },
  };
}

let seq = 0;
function setup() {
  let now = Date.parse('2026-12-07T12:00:00Z');
  const requests: { namespace: string; serviceAccount: string; spec: TokenRequestSpec }[] = [];
  let fail: Error | undefined;
  const tokens = new TokenManager({
    now: () => now,
    jitterMs: () => 0,
    requestToken: async (namespace, serviceAccount, spec) => {
      requests.push({ namespace, serviceAccount, spec });
      if (fail) throw fail;
      return { token: `jwt-${requests.length}`, expirationTimestamp: new Date(now + spec.expirationSeconds * 1000).toISOString() };
    },
  });
  const rootDir = join(work, `root-${++seq}`);
  const vm = new VolumeManager({ rootDir, sources, logger: createLogger('k2-test', 'silent'), tokens });
  return {
    vm,
    rootDir,
    tokens,
    requests,
    advance: (ms: number) => {
      now += ms;
    },
    failWith: (err?: Error) => {
      fail = err;
    },
  };
}

test('kube-api-access: token bound to the pod, ca.crt and namespace, mode 0644, on tmpfs', { skip: !root && 'needs root to mount tmpfs' }, async () => {
  const { vm, rootDir, requests } = setup();
  const p = pod('uid-access', [kubeApiAccess]);
  await vm.setUpPod(p, info);
  const dir = join(rootDir, 'pods/uid-access/volumes/kubernetes.io~projected/kube-api-access-x7k2p');
  assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'jwt-1');
  assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), CA);
  assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'shop');
  assert.equal(statSync(join(dir, 'token')).mode & 0o777, 0o644);
  assert.deepEqual(requests, [
    {
      namespace: 'shop',
      serviceAccount: 'builder',
      spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'uid-access' } },
    },
  ]);
  const mounts = vm.mountsFor(p, p.spec!.containers[0]!);
  assert.deepEqual(mounts[0], { hostPath: dir, containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
  await vm.tearDownPod('uid-access');
});

test('an explicit short-lived token with an audience and defaultMode is rewritten atomically at 80% of its life', {
  skip: !root && 'needs root to mount tmpfs',
}, async () => {
  const { vm, rootDir, requests, tokens, advance } = setup();
  const volume: Volume = {
    name: 'vault-token',
    projected: { defaultMode: 0o440, sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'sub/vault-token' } }] },
  };
  const p = pod('uid-short', [volume], '');
  await vm.setUpPod(p, info);
  const dir = join(rootDir, 'pods/uid-short/volumes/kubernetes.io~projected/vault-token');
  const file = join(dir, 'sub/vault-token');
  assert.equal(readFileSync(file, 'utf8'), 'jwt-1');
  assert.equal(statSync(file).mode & 0o777, 0o440);
  assert.deepEqual(requests[0]!.spec.audiences, ['vault']);
  assert.equal(requests[0]!.serviceAccount, 'default', 'no serviceAccountName: the default service account');
  const firstGeneration = readlinkSync(join(dir, '..data'));

  advance(479_000);
  await vm.setUpPod(p, info);
  assert.equal(readFileSync(file, 'utf8'), 'jwt-1');
  assert.equal(readlinkSync(join(dir, '..data')), firstGeneration, 'nothing rewritten while the token is fresh');
  advance(1_000);
  await vm.setUpPod(p, info);
  assert.equal(readFileSync(file, 'utf8'), 'jwt-2');
  assert.notEqual(readlinkSync(join(dir, '..data')), firstGeneration, 'a new generation swapped in under ..data');
  assert.equal(statSync(file).mode & 0o777, 0o440);

  assert.equal(tokens.size, 1);
  await vm.tearDownPod('uid-short');
  assert.equal(tokens.size, 0, "the pod's token is forgotten with it");
});

test('a failed TokenRequest is a VolumeError naming the volume; the next sync retries', { skip: !root && 'needs root to mount tmpfs' }, async () => {
  const { vm, rootDir, failWith } = setup();
  const p = pod('uid-fail', [kubeApiAccess]);
  failWith(new Error('serviceaccounts "builder" not found'));
  const err = await vm.setUpPod(p, info).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof VolumeError);
  assert.equal(err.volume, 'kube-api-access-x7k2p');
  assert.equal(err.message, 'failed to fetch token: serviceaccounts "builder" not found');
  failWith(undefined);
  await vm.setUpPod(p, info);
  assert.equal(readFileSync(join(rootDir, 'pods/uid-fail/volumes/kubernetes.io~projected/kube-api-access-x7k2p/token'), 'utf8'), 'jwt-2');
  await vm.tearDownPod('uid-fail');
});

test('a token shorter than 10 minutes is refused before asking the API', { skip: !root && 'needs root to mount tmpfs' }, async () => {
  const { vm, requests } = setup();
  const p = pod('uid-tiny', [{ name: 'tiny', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 60, path: 'token' } }] } }]);
  await assert.rejects(vm.setUpPod(p, info), /expirationSeconds 60: may not specify a duration less than 10 minutes/);
  assert.equal(requests.length, 0);
  await vm.tearDownPod('uid-tiny');
});

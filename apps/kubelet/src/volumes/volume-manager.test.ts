import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { VolumeError, VolumeManager, type VolumeSources } from './index.ts';
import { unmountAllUnder } from './tmpfs.ts';

/** tmpfs mounts need root; `npm test` runs without it and skips them. */
const root = process.getuid?.() === 0;

const work = mkdtempSync(join(tmpdir(), 'k2-vm-'));
after(async () => {
  await unmountAllUnder(work);
  rmSync(work, { recursive: true, force: true });
});

class FakeSources implements VolumeSources {
  configMaps = new Map<string, ConfigMap>();
  secrets = new Map<string, Secret>();
  pvcs = new Map<string, PersistentVolumeClaim>();
  pvs = new Map<string, PersistentVolume>();
  async getConfigMap(ns: string, name: string) {
    return this.configMaps.get(`${ns}/${name}`);
  }
  async getSecret(ns: string, name: string) {
    return this.secrets.get(`${ns}/${name}`);
  }
  async getPersistentVolumeClaim(ns: string, name: string) {
    return this.pvcs.get(`${ns}/${name}`);
  }
  async getPersistentVolume(name: string) {
    return this.pvs.get(name);
  }
}

let seq = 0;
function setup() {
  const rootDir = join(work, `root-${++seq}`);
  const sources = new FakeSources();
  const vm = new VolumeManager({ rootDir, sources, logger: createLogger('k2-test', 'silent') });
  return { rootDir, sources, vm };
}

function pod(uid: string, spec: Partial<NonNullable<Pod['spec']>>, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns1', uid, labels: { app: 'web', tier: 'front' }, ...meta },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  };
}

const info = { podIP: '10.202.0.7', hostIP: '192.168.1.2' };
const mountsOf = (uid: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(uid));

test('emptyDir on disk and on tmpfs with sizeLimit; shared by two containers; torn down', { skip: !root && 'needs root to mount tmpfs' }, async () => {
  const { vm, rootDir } = setup();
  const p = pod('uid-empty', {
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
    ],
    containers: [
      {
        name: 'a',
        image: 'busybox',
        volumeMounts: [
          { name: 'scratch', mountPath: '/data' },
          { name: 'mem', mountPath: '/mem' },
        ],
      },
      { name: 'b', image: 'busybox', volumeMounts: [{ name: 'scratch', mountPath: '/shared', readOnly: true }] },
    ],
  });
  await vm.setUpPod(p, info);
  await vm.setUpPod(p, info); // idempotent: no second tmpfs on top
  const scratch = join(rootDir, 'pods/uid-empty/volumes/kubernetes.io~empty-dir/scratch');
  assert.equal(statSync(scratch).mode & 0o777, 0o777);
  const tmpfsLines = mountsOf('uid-empty');
  assert.equal(tmpfsLines.length, 1, tmpfsLines.join('\n'));
  assert.match(tmpfsLines[0]!, /kubernetes\.io~empty-dir\/mem .* tmpfs tmpfs .*size=8192k,mode=777/);

  const a = vm.mountsFor(p, p.spec!.containers[0]!);
  const b = vm.mountsFor(p, p.spec!.containers[1]!);
  assert.deepEqual(
    a.find((m) => m.containerPath === '/data'),
    { hostPath: scratch, containerPath: '/data', readOnly: false },
  );
  assert.deepEqual(
    b.find((m) => m.containerPath === '/shared'),
    { hostPath: scratch, containerPath: '/shared', readOnly: true },
  );
  assert.ok(a.some((m) => m.containerPath === '/etc/hosts'));
  const term = a.find((m) => m.containerPath === '/dev/termination-log');
  assert.ok(term && existsSync(term.hostPath) && !term.readOnly);

  assert.deepEqual(await vm.listPodUids(), ['uid-empty']);
  await vm.tearDownPod('uid-empty');
  await vm.tearDownPod('uid-empty');
  assert.equal(mountsOf('uid-empty').length, 0);
  assert.equal(existsSync(join(rootDir, 'pods/uid-empty')), false);
  assert.deepEqual(await vm.listPodUids(), []);
});

test('configMap: items, modes, optional, missing → VolumeError, refresh on change', async () => {
  const { vm, rootDir, sources } = setup();
  const p = pod('uid-cm', {
    volumes: [
      { name: 'cfg', configMap: { name: 'game', items: [{ key: 'lives', path: 'conf/lives.txt', mode: 0o600 }], defaultMode: 0o440 } },
      { name: 'all', configMap: { name: 'game', defaultMode: 0o440 } },
      { name: 'maybe', configMap: { name: 'absent', optional: true } },
    ],
    containers: [
      {
        name: 'c',
        image: 'busybox',
        volumeMounts: [
          { name: 'cfg', mountPath: '/cfg' },
          { name: 'all', mountPath: '/all/lives', subPath: 'lives' },
        ],
      },
    ],
  });
  await assert.rejects(vm.setUpPod(p, info), (err: unknown) => {
    assert.ok(err instanceof VolumeError);
    assert.equal(err.volume, 'cfg');
    assert.match(err.message, /configmap "game" not found/);
    return true;
  });

  sources.configMaps.set('ns1/game', {
    metadata: { name: 'game' },
    data: { lives: '3', color: 'red' },
    binaryData: { bin: Buffer.from([0, 1]).toString('base64') },
  });
  await vm.setUpPod(p, info);
  const cfg = join(rootDir, 'pods/uid-cm/volumes/kubernetes.io~configmap/cfg');
  assert.equal(readFileSync(join(cfg, 'conf/lives.txt'), 'utf8'), '3');
  assert.equal(statSync(join(cfg, 'conf/lives.txt')).mode & 0o777, 0o600);
  assert.equal(existsSync(join(cfg, 'color')), false, 'only the listed items');
  const all = join(rootDir, 'pods/uid-cm/volumes/kubernetes.io~configmap/all');
  assert.equal(readFileSync(join(all, 'color'), 'utf8'), 'red');
  assert.deepEqual([...readFileSync(join(all, 'bin'))], [0, 1]);
  assert.equal(statSync(join(all, 'color')).mode & 0o777, 0o440);
  assert.ok(existsSync(join(rootDir, 'pods/uid-cm/volumes/kubernetes.io~configmap/maybe/..data')), 'optional missing: an empty volume');

  const mounts = vm.mountsFor(p, p.spec!.containers[0]!);
  assert.deepEqual(mounts[0], { hostPath: cfg, containerPath: '/cfg', readOnly: true }, 'API data is always read-only');
  assert.match(mounts[1]!.hostPath, /all\/\.\.\d{4}_.*\/lives$/, 'subPath resolves through ..data');

  const gen = readlinkSync(join(cfg, '..data'));
  sources.configMaps.set('ns1/game', { metadata: { name: 'game' }, data: { lives: '4', color: 'red' } });
  await vm.setUpPod(p, info);
  assert.equal(readFileSync(join(cfg, 'conf/lives.txt'), 'utf8'), '4');
  assert.notEqual(readlinkSync(join(cfg, '..data')), gen);

  sources.configMaps.set('ns1/game', { metadata: { name: 'game' }, data: { color: 'red' } });
  await assert.rejects(vm.setUpPod(p, info), /configmap references non-existent config key: lives/);
  await vm.tearDownPod('uid-cm');
});

test('secret: on a tmpfs per volume, decoded, items and defaultMode', { skip: !root && 'needs root to mount tmpfs' }, async () => {
  const { vm, rootDir, sources } = setup();
  sources.secrets.set('ns1/creds', {
    metadata: { name: 'creds' },
    data: { user: Buffer.from('admin').toString('base64'), pass: Buffer.from('s3cr3t').toString('base64') },
  });
  const p = pod('uid-secret', {
    volumes: [
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      { name: 'gone', secret: { secretName: 'nope' } },
    ],
  });
  await assert.rejects(vm.setUpPod(p, info), /secret "nope" not found/);
  const dir = join(rootDir, 'pods/uid-secret/volumes/kubernetes.io~secret/creds');
  assert.equal(readFileSync(join(dir, 'pass'), 'utf8'), 's3cr3t', 'the other volumes are set up despite one failing');
  assert.equal(statSync(join(dir, 'pass')).mode & 0o777, 0o400);
  assert.ok(mountsOf('uid-secret').some((l) => l.includes('kubernetes.io~secret/creds') && / - tmpfs /.test(l)));
  await vm.tearDownPod('uid-secret');
  assert.equal(mountsOf('uid-secret').length, 0);
});

test('downwardAPI: labels, annotations, name, uid, resourceFieldRef; updated when labels change', async () => {
  const { vm, rootDir } = setup();
  const spec = {
    volumes: [
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
            { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
            { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
            { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
            { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
          ],
        },
      },
    ],
    containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: '64Mi' } } }],
  };
  const p = pod('uid-dw', spec, { annotations: { 'x.io/a': 'b' } });
  await vm.setUpPod(p, info);
  const dir = join(rootDir, 'pods/uid-dw/volumes/kubernetes.io~downward-api/info');
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  assert.equal(await read('labels'), 'app="web"\ntier="front"');
  assert.equal(await read('name'), 'web');
  assert.equal(await read('ns'), 'ns1');
  assert.equal(await read('uid'), 'uid-dw');
  assert.equal(await read('tier'), 'front');
  assert.equal(await read('annotations'), 'x.io/a="b"');
  assert.equal(await read('mem'), '64');
  await vm.setUpPod(pod('uid-dw', spec, { labels: { app: 'web', tier: 'back' } }), info);
  assert.equal(await read('labels'), 'app="web"\ntier="back"');
  await vm.tearDownPod('uid-dw');
});

test('hostPath types in Kubernetes words', async () => {
  const { vm } = setup();
  const base = join(work, 'hostpaths');
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'file'), 'x');
  const cases: [string, string, RegExp | undefined][] = [
    [join(base, 'new-dir/nested'), 'DirectoryOrCreate', undefined],
    [join(base, 'file'), 'DirectoryOrCreate', /hostPath type check failed: .*\/file is not a directory/],
    [join(base, 'missing'), 'Directory', /hostPath type check failed: .*\/missing is not a directory/],
    [join(base, 'new-file'), 'FileOrCreate', undefined],
    [join(base, 'file'), 'File', undefined],
    [base, 'File', /is not a file/],
    [join(base, 'file'), 'Socket', /is not a socket file/],
    ['/dev/null', 'CharDevice', undefined],
    ['/dev/null', 'BlockDevice', /is not a block device/],
    [join(base, 'anything'), '', undefined],
    [base, 'Weird', /Weird is an invalid volume type/],
  ];
  for (const [path, type, err] of cases) {
    const p = pod(`uid-hp`, { volumes: [{ name: 'h', hostPath: { path, type } }] });
    if (err) await assert.rejects(vm.setUpPod(p, info), err, `${type} ${path}`);
    else await vm.setUpPod(p, info);
  }
  assert.ok(statSync(join(base, 'new-dir/nested')).isDirectory());
  assert.ok(statSync(join(base, 'new-file')).isFile());
  const p = pod('uid-hp', {
    volumes: [{ name: 'h', hostPath: { path: base } }],
    containers: [{ name: 'c', image: 'b', volumeMounts: [{ name: 'h', mountPath: '/h' }] }],
  });
  assert.deepEqual(vm.mountsFor(p, p.spec!.containers[0]!)[0], { hostPath: base, containerPath: '/h', readOnly: false });
  await vm.tearDownPod('uid-hp');
  assert.ok(existsSync(join(base, 'file')), 'tearing down never touches the host path');
});

test('subPath: created inside the volume; a symlink escape is refused', async () => {
  const { vm, rootDir } = setup();
  const p = pod('uid-sub', {
    volumes: [{ name: 'e', emptyDir: {} }],
    containers: [
      { name: 'ok', image: 'b', volumeMounts: [{ name: 'e', mountPath: '/logs', subPath: 'logs/app' }] },
      { name: 'evil', image: 'b', volumeMounts: [{ name: 'e', mountPath: '/x', subPath: 'escape' }] },
      { name: 'evil2', image: 'b', volumeMounts: [{ name: 'e', mountPath: '/x', subPath: 'escape/deeper' }] },
      { name: 'expr', image: 'b', env: [{ name: 'POD', value: 'web' }], volumeMounts: [{ name: 'e', mountPath: '/p', subPathExpr: 'per-pod/$(POD)' }] },
    ],
  });
  await vm.setUpPod(p, info);
  const vol = join(rootDir, 'pods/uid-sub/volumes/kubernetes.io~empty-dir/e');
  symlinkSync('/etc', join(vol, 'escape'));
  const [, , , expr] = p.spec!.containers;
  assert.equal(vm.mountsFor(p, p.spec!.containers[0]!)[0]!.hostPath, join(vol, 'logs/app'));
  assert.ok(statSync(join(vol, 'logs/app')).isDirectory());
  for (const c of [p.spec!.containers[1]!, p.spec!.containers[2]!]) {
    assert.throws(
      () => vm.mountsFor(p, c),
      (err: unknown) => err instanceof VolumeError && /subpath ".*escape.*" not within volume path/.test(err.message),
    );
  }
  assert.equal(existsSync('/etc/deeper'), false, 'nothing created outside the volume');
  assert.equal(vm.mountsFor(p, expr!)[0]!.hostPath, join(vol, 'per-pod/web'));
  await vm.tearDownPod('uid-sub');
});

test('persistentVolumeClaim: bound to a hostPath PV or a local PV; unbound is an error', async () => {
  const { vm, sources } = setup();
  const data = join(work, 'pv-data');
  mkdirSync(data, { recursive: true });
  const p = pod('uid-pvc', {
    volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'claim' } }],
    containers: [{ name: 'c', image: 'b', volumeMounts: [{ name: 'd', mountPath: '/d' }] }],
  });
  await assert.rejects(vm.setUpPod(p, info), /persistentvolumeclaim "claim" not found/);
  sources.pvcs.set('ns1/claim', { metadata: { name: 'claim', uid: 'pvc-uid' }, spec: {} });
  await assert.rejects(vm.setUpPod(p, info), /persistentvolumeclaim "claim" is not bound/);
  assert.throws(() => vm.mountsFor(p, p.spec!.containers[0]!), VolumeError);
  sources.pvcs.set('ns1/claim', { metadata: { name: 'claim', uid: 'pvc-uid' }, spec: { volumeName: 'pv1' } });
  sources.pvs.set('pv1', { metadata: { name: 'pv1' }, spec: { hostPath: { path: data }, claimRef: { name: 'other', namespace: 'ns1' } } });
  await assert.rejects(vm.setUpPod(p, info), /is bound to claim ns1\/other/);
  sources.pvs.set('pv1', { metadata: { name: 'pv1' }, spec: { hostPath: { path: data }, claimRef: { name: 'claim', namespace: 'ns1', uid: 'pvc-uid' } } });
  await vm.setUpPod(p, info);
  assert.deepEqual(vm.mountsFor(p, p.spec!.containers[0]!)[0], { hostPath: data, containerPath: '/d', readOnly: false });
  sources.pvs.set('pv1', { metadata: { name: 'pv1' }, spec: { local: { path: join(work, 'no-such') } } });
  await assert.rejects(vm.setUpPod(p, info), /does not exist/);
  await vm.tearDownPod('uid-pvc');
});

test('etc-hosts: pod IP, FQDN with subdomain, hostAliases; not for hostNetwork; updated in place', async () => {
  const { vm, rootDir } = setup();
  const p = pod('uid-hosts', { hostname: 'db-0', subdomain: 'db', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }] });
  const path = join(rootDir, 'pods/uid-hosts/etc-hosts');
  const mounts = vm.mountsFor(p, p.spec!.containers[0]!);
  assert.deepEqual(
    mounts.find((m) => m.containerPath === '/etc/hosts'),
    { hostPath: path, containerPath: '/etc/hosts', readOnly: false },
  );
  const inode = statSync(path).ino;
  await vm.setUpPod(p, info);
  const hosts = readFileSync(path, 'utf8');
  assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(hosts, /\n10\.202\.0\.7\tdb-0\.db\.ns1\.svc\.cluster\.local\tdb-0\n/);
  assert.match(hosts, /# Entries added by HostAliases\.\n10\.1\.2\.3\tfoo\.local\tbar\.local\n$/);
  assert.equal(statSync(path).ino, inode, 'rewritten in place: Docker binds the inode');
  await vm.setUpPod(p, { podIP: '', hostIP: '' });
  assert.match(readFileSync(path, 'utf8'), /10\.202\.0\.7/, 'an unknown IP does not erase the known one');

  const plain = pod('uid-hosts2', {});
  await vm.setUpPod(plain, info);
  assert.match(readFileSync(join(rootDir, 'pods/uid-hosts2/etc-hosts'), 'utf8'), /\n10\.202\.0\.7\tweb\n$/);
  const hostNet = pod('uid-hosts3', { hostNetwork: true });
  assert.equal(
    vm.mountsFor(hostNet, hostNet.spec!.containers[0]!).some((m) => m.containerPath === '/etc/hosts'),
    false,
  );
  for (const uid of ['uid-hosts', 'uid-hosts2', 'uid-hosts3']) await vm.tearDownPod(uid);
});

test('projected: configMap, secret and downwardAPI in one tmpfs volume; conflicts, and token sources without a token manager, refused', {
  skip: !root && 'needs root to mount tmpfs',
}, async () => {
  const { vm, rootDir, sources } = setup();
  sources.configMaps.set('ns1/app', { metadata: { name: 'app' }, data: { 'app.conf': 'x=1' } });
  sources.secrets.set('ns1/tls', { metadata: { name: 'tls' }, data: { key: Buffer.from('KEY').toString('base64') } });
  const projected = (extra: object[] = []) =>
    pod('uid-proj', {
      volumes: [
        {
          name: 'all',
          projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: 'app' } },
              { secret: { name: 'tls', items: [{ key: 'key', path: 'tls/tls.key', mode: 0o400 }] } },
              { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
              ...extra,
            ],
          },
        },
      ],
    });
  await vm.setUpPod(projected(), info);
  const dir = join(rootDir, 'pods/uid-proj/volumes/kubernetes.io~projected/all');
  assert.equal(readFileSync(join(dir, 'app.conf'), 'utf8'), 'x=1');
  assert.equal(statSync(join(dir, 'app.conf')).mode & 0o777, 0o440);
  assert.equal(readFileSync(join(dir, 'tls/tls.key'), 'utf8'), 'KEY');
  assert.equal(statSync(join(dir, 'tls/tls.key')).mode & 0o777, 0o400);
  assert.equal(readFileSync(join(dir, 'name'), 'utf8'), 'web');
  assert.ok(mountsOf('uid-proj').some((l) => l.includes('kubernetes.io~projected/all') && / - tmpfs /.test(l)));
  await assert.rejects(vm.setUpPod(projected([{ configMap: { name: 'app' } }]), info), /conflicting projected path "app.conf"/);
  await assert.rejects(vm.setUpPod(projected([{ serviceAccountToken: { path: 'token' } }]), info), /cannot request service account tokens/);
  await vm.tearDownPod('uid-proj');
  assert.equal(mountsOf('uid-proj').length, 0);
});

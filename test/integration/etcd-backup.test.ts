/**
 * Backup and restore as an operator does it: `./skiff etcd snapshot FILE`, objects lost,
 * `./skiff etcd restore FILE --data-dir DIR` (refused while the cluster runs), a fresh etcd
 * on the restored data dir, an apiserver on that etcd: the objects are back, Secrets too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource, type ConfigMap, type Secret } from '@skiff/api';
import { isNotFound, RestClient } from '@skiff/client';
import { EtcdMember } from '@skiff/etcd';
import { ApiServerProcess, REPO_ROOT, startTestCluster, type TestCluster } from '../harness/index.ts';

// The suite's range is 27900–27999 (the harness puts the apiserver at basePort+100).
const BASE_PORT = 27910;
const RESTORED_CLIENT_PORT = 27920;
const RESTORED_PEER_PORT = 27921;
const configMaps = findResource('', 'v1', 'configmaps')!;
const secrets = findResource('', 'v1', 'secrets')!;
const NAMES = ['k8-backup-a', 'k8-backup-b', 'k8-backup-c'];

function skiff(home: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'apps/skiff/src/main.ts'), ...args], {
    env: { ...process.env, SKIFF_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('skiff etcd snapshot / restore', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;
  let restored: EtcdMember | undefined;
  let restoredApi: ApiServerProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'k8-etcd-backup-'));
  const home = join(dir, 'home');
  const snapshot = join(dir, 'backups', 'snap.db');
  const restoredDataDir = join(dir, 'etcd-restored');

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    client = RestClient.fromKubeconfig(cluster.kubeconfigPath);
    mkdirSync(home, { recursive: true });
  });

  after(async () => {
    client?.close();
    await restoredApi?.stop().catch(() => restoredApi?.kill());
    await restored?.stop().catch(() => undefined);
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('snapshot, lose the objects, restore: they are back', async () => {
    for (const name of NAMES) {
      await client.create<ConfigMap>(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { value: name } });
    }
    await client.create<Secret>(secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k8-backup-secret', namespace: 'default' },
      stringData: { password: 's3cret' },
    });

    const snap = skiff(home, ['etcd', 'snapshot', snapshot, '--endpoints', cluster.etcd.endpoints[0]!]);
    assert.equal(snap.code, 0, snap.out);
    assert.match(snap.out, /saved to .*snap\.db/);

    for (const name of NAMES) await client.delete(configMaps, 'default', name);
    await client.delete(secrets, 'default', 'k8-backup-secret');
    await assert.rejects(client.get(configMaps, 'default', NAMES[0]!), (err) => isNotFound(err));

    const restore = skiff(home, ['etcd', 'restore', snapshot, '--data-dir', restoredDataDir], { SKIFF_ETCD_PEER_PORT: String(RESTORED_PEER_PORT) });
    assert.equal(restore.code, 0, restore.out);
    assert.match(restore.out, /To run the cluster on it:/);
    assert.match(restore.out, /\.\/skiff up/);

    // The printed steps: the restored dir becomes the home's etcd data dir.
    renameSync(restoredDataDir, join(home, 'etcd'));
    restored = new EtcdMember(
      { name: 'skiff', dataDir: join(home, 'etcd'), clientPort: RESTORED_CLIENT_PORT, peerPort: RESTORED_PEER_PORT },
      { logFile: join(dir, 'etcd-restored.log') },
    );
    await restored.start();

    // The old apiserver goes; a new one (same PKI and encryption key) serves from the restored etcd.
    await cluster.apiServer.stop();
    const args = cluster.apiServer.options.args.map((a) => (a.startsWith('--etcd-servers=') ? `--etcd-servers=http://127.0.0.1:${RESTORED_CLIENT_PORT}` : a));
    restoredApi = new ApiServerProcess({ ...cluster.apiServer.options, args, logFile: join(dir, 'apiserver-restored.log') });
    await restoredApi.start();

    const fresh = RestClient.fromKubeconfig(cluster.kubeconfigPath);
    try {
      for (const name of NAMES) {
        const cm = await fresh.get<ConfigMap>(configMaps, 'default', name);
        assert.equal(cm.data?.value, name);
      }
      const secret = await fresh.get<Secret>(secrets, 'default', 'k8-backup-secret');
      assert.equal(Buffer.from(secret.data!.password!, 'base64').toString(), 's3cret');
    } finally {
      fresh.close();
    }
  });

  it('restore refuses while the cluster runs', () => {
    // The launcher's layout: run/etcd.pid names the live etcd serving this home's data dir.
    mkdirSync(join(home, 'run'), { recursive: true });
    writeFileSync(join(home, 'run', 'etcd.pid'), `${restored!.pid}\n`);
    const target = join(dir, 'never');
    const r = skiff(home, ['etcd', 'restore', snapshot, '--data-dir', target]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /etcd is running \(pid \d+\); stop the cluster first/);
    assert.equal(existsSync(target), false, 'nothing restored');
  });
});

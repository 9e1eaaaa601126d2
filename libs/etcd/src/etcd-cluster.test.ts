import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdCommand, findEtcdBinary, startEtcdCluster, waitForEtcd, type EtcdCluster } from './index.ts';

// Ports 22000-22019 belong to this file.
const BASE_PORT = 22000;

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('etcdCommand', () => {
  it('builds loopback URLs and defaults to a one-member cluster', () => {
    const { bin, args } = etcdCommand({ name: 'a', dataDir: '/tmp/x', clientPort: 1, peerPort: 2 });
    assert.equal(bin, findEtcdBinary());
    assert.ok(args.includes('--listen-client-urls=http://127.0.0.1:1'));
    assert.ok(args.includes('--initial-cluster=a=http://127.0.0.1:2'));
    assert.ok(args.includes('--initial-cluster-state=new'));
  });

  it('with tls: https URLs, client and peer certificates from one CA, both checked', () => {
    const tls = { caFile: '/p/ca.crt', certFile: '/p/server.crt', keyFile: '/p/server.key', peerCertFile: '/p/peer.crt', peerKeyFile: '/p/peer.key' };
    const { args } = etcdCommand({ name: 'a', dataDir: '/tmp/x', clientPort: 1, peerPort: 2, tls });
    for (const flag of [
      '--listen-client-urls=https://127.0.0.1:1',
      '--advertise-client-urls=https://127.0.0.1:1',
      '--listen-peer-urls=https://127.0.0.1:2',
      '--initial-cluster=a=https://127.0.0.1:2',
      '--client-cert-auth',
      '--trusted-ca-file=/p/ca.crt',
      '--cert-file=/p/server.crt',
      '--key-file=/p/server.key',
      '--peer-client-cert-auth',
      '--peer-trusted-ca-file=/p/ca.crt',
      '--peer-cert-file=/p/peer.crt',
      '--peer-key-file=/p/peer.key',
    ]) {
      assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
    }
  });

  it('names the fix when etcd is missing', () => {
    assert.throws(() => findEtcdBinary({ PATH: '/nonexistent' }, []), /run \.\/skiff, which installs etcd-server/);
  });
});

describe('startEtcdCluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-etcd-test-'));
  const clusters: EtcdCluster[] = [];
  after(async () => {
    await Promise.all(clusters.map((cluster) => cluster.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it('starts and stops a one-member cluster, leaving no process', async () => {
    const cluster = await startEtcdCluster({ size: 1, dataRoot: join(root, 'one'), basePort: BASE_PORT, logDir: join(root, 'one-logs') });
    clusters.push(cluster);
    assert.deepEqual(cluster.endpoints, [`http://127.0.0.1:${BASE_PORT}`]);
    const client = new Etcd3({ hosts: cluster.endpoints });
    try {
      await client.put('/k').value('v');
      assert.equal(await client.get('/k').string(), 'v');
    } finally {
      client.close();
    }
    const pid = cluster.members[0].pid;
    assert.ok(isAlive(pid));
    await cluster.stop();
    assert.equal(isAlive(pid), false);
  });

  describe('three members', () => {
    let cluster: EtcdCluster;
    before(async () => {
      cluster = await startEtcdCluster({ size: 3, dataRoot: join(root, 'three'), basePort: BASE_PORT + 10, logDir: join(root, 'three-logs') });
      clusters.push(cluster);
    });

    it('survives one member crashing and takes it back on restart', async () => {
      assert.equal(cluster.endpoints.length, 3);
      assert.equal(cluster.endpoints[2], `http://127.0.0.1:${BASE_PORT + 14}`);
      const client = new Etcd3({ hosts: cluster.endpoints });
      try {
        await client.put('/before').value('1');
        await cluster.members[0].kill();
        assert.equal(cluster.members[0].running, false);
        await client.put('/during').value('2');
        await cluster.members[0].start();
        await waitForEtcd(cluster.endpoints, 10_000);
        // The restarted member caught up with the write it missed.
        const solo = new Etcd3({ hosts: [cluster.endpoints[0]] });
        try {
          assert.equal(await solo.get('/during').string(), '2');
        } finally {
          solo.close();
        }
      } finally {
        client.close();
      }
    });

    it('stops every member', async () => {
      const pids = cluster.members.map((member) => member.pid);
      assert.ok(pids.every(isAlive));
      await cluster.stop();
      assert.deepEqual(pids.map(isAlive), [false, false, false]);
    });
  });
});

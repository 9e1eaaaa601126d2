/**
 * etcd behind mutual TLS from its own CA, as `./skiff up` and the lab run it: three members with
 * peer TLS, an apiserver holding the apiserver-etcd-client certificate. The cluster works through
 * the apiserver; etcd itself turns away a plaintext client, an https client without a certificate,
 * and a client certificate of the cluster CA (what every kubelet and user holds).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource, type ConfigMap } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { startEtcdCluster, type EtcdCluster } from '@skiff/etcd';
import { ensureClusterPki, ensureEtcdPki, writeKubeconfig, type ClusterPki, type EtcdPkiFiles } from '@skiff/pki';
import { ApiServerProcess, openWatch } from '../harness/index.ts';

// Ports 21800-21899 belong to this file: etcd 21800-21805, the apiserver 21850.
const ETCD_BASE_PORT = 21800;
const API_PORT = 21850;
const configMaps = findResource('', 'v1', 'configmaps')!;

/** etcdctl v3 against one endpoint with the given TLS flags; fails fast on a refused handshake. */
function etcdctl(endpoint: string, flags: string[], args: string[]): { code: number; out: string } {
  const r = spawnSync('etcdctl', [`--endpoints=${endpoint}`, '--dial-timeout=3s', '--command-timeout=5s', ...flags, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('etcd with mutual TLS', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-mtls-'));
  const pkiDir = join(dir, 'pki');
  let etcd: EtcdCluster;
  let api: ApiServerProcess;
  let pki: ClusterPki;
  let files: EtcdPkiFiles;
  let client: RestClient;

  before(async () => {
    pki = await ensureClusterPki(pkiDir, { apiServerHosts: ['127.0.0.1', 'localhost'] });
    files = await ensureEtcdPki(pkiDir, { hosts: [] });
    etcd = await startEtcdCluster({
      size: 3,
      dataRoot: join(dir, 'etcd'),
      basePort: ETCD_BASE_PORT,
      logDir: join(dir, 'logs'),
      tls: { caFile: files.caCert, certFile: files.serverCert, keyFile: files.serverKey, peerCertFile: files.peerCert, peerKeyFile: files.peerKey },
    });
    const server = `https://127.0.0.1:${API_PORT}`;
    api = new ApiServerProcess({
      url: server,
      caCert: pki.caCert,
      logFile: join(dir, 'logs', 'apiserver.log'),
      args: [
        `--etcd-servers=${etcd.endpoints.join(',')}`,
        `--etcd-cafile=${files.caCert}`,
        `--etcd-certfile=${files.apiServerClientCert}`,
        `--etcd-keyfile=${files.apiServerClientKey}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${API_PORT}`,
        '--advertise-address=127.0.0.1',
        `--tls-cert-file=${join(pkiDir, 'apiserver.crt')}`,
        `--tls-private-key-file=${join(pkiDir, 'apiserver.key')}`,
        `--client-ca-file=${join(pkiDir, 'ca.crt')}`,
        `--encryption-key-file=${join(pkiDir, 'encryption.key')}`,
        `--service-account-key-file=${join(pkiDir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(pkiDir, 'sa.key')}`,
      ],
    });
    await api.start();
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, { server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
    client = RestClient.fromKubeconfig(kubeconfig);
  });

  after(async () => {
    client?.close();
    await api?.stop(5000).catch(() => api?.kill());
    await etcd?.stop();
    if (!process.env.SKIFF_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('the members speak https with each other and with clients', () => {
    assert.deepEqual(
      etcd.endpoints,
      [0, 2, 4].map((i) => `https://127.0.0.1:${ETCD_BASE_PORT + i}`),
    );
    const list = etcdctl(
      etcd.endpoints[0]!,
      [`--cacert=${files.caCert}`, `--cert=${files.healthcheckClientCert}`, `--key=${files.healthcheckClientKey}`],
      ['member', 'list'],
    );
    assert.equal(list.code, 0, list.out);
    for (const i of [1, 3, 5]) assert.match(list.out, new RegExp(`https://127\\.0\\.0\\.1:${ETCD_BASE_PORT + i}`));
  });

  it('the apiserver stores, reads and watches through its etcd client certificate', async () => {
    const admin = { server: `https://127.0.0.1:${API_PORT}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey };
    const watch = await openWatch(admin, '/api/v1/namespaces/default/configmaps?watch=true');
    try {
      await client.create<ConfigMap>(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mtls', namespace: 'default' }, data: { a: '1' } });
      const got = await client.get<ConfigMap>(configMaps, 'default', 'mtls');
      assert.deepEqual(got.data, { a: '1' });
      await watch.waitFor((events) => events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'mtls'), 10_000);
    } finally {
      watch.close();
    }
    // And it is really in etcd, for a holder of an etcd-CA client certificate.
    const keys = etcdctl(
      etcd.endpoints[1]!,
      [`--cacert=${files.caCert}`, `--cert=${files.apiServerClientCert}`, `--key=${files.apiServerClientKey}`],
      ['get', '/registry/configmaps/default/mtls', '--keys-only'],
    );
    assert.equal(keys.code, 0, keys.out);
    assert.match(keys.out, /\/registry\/configmaps\/default\/mtls/);
  });

  it('refuses a plaintext client', async () => {
    const plain = etcdctl(`http://127.0.0.1:${ETCD_BASE_PORT}`, [], ['get', '/registry', '--prefix', '--keys-only']);
    assert.notEqual(plain.code, 0, plain.out);
    assert.doesNotMatch(plain.out, /\/registry\//);
    // Nor does a bare HTTP GET of /health get an answer from etcd.
    const res = await fetch(`http://127.0.0.1:${ETCD_BASE_PORT}/health`, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => err);
    if (!(res instanceof Error)) assert.equal(res.status, 400, 'an http request on the TLS port');
  });

  it('refuses an https client without a certificate', () => {
    const anonymous = etcdctl(etcd.endpoints[0]!, [`--cacert=${files.caCert}`], ['get', '/registry', '--prefix', '--keys-only']);
    assert.notEqual(anonymous.code, 0, anonymous.out);
    assert.doesNotMatch(anonymous.out, /\/registry\//);
  });

  it('refuses a client certificate of the cluster CA, system:masters or not', () => {
    const flags = [`--cacert=${files.caCert}`, `--cert=${join(pkiDir, 'admin.crt')}`, `--key=${join(pkiDir, 'admin.key')}`];
    const admin = etcdctl(etcd.endpoints[0]!, flags, ['get', '/registry', '--prefix', '--keys-only']);
    assert.notEqual(admin.code, 0, admin.out);
    assert.doesNotMatch(admin.out, /\/registry\//);
  });
});

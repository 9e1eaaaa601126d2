/**
 * Certificates rotate by themselves: etcd behind mutual TLS and an apiserver, every leaf issued
 * for one minute, the server role's renewer (startCertificateRenewer, as `skiff server` runs it)
 * looking every 2 s, a client following its kubeconfig. Within about a minute the apiserver and
 * etcd serve new certificates (new serials, seen by tls.connect), the client presents its renewed
 * certificate, and a loop of GETs never fails, past the first certificates' expiry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { findResource } from '@skiff/api';
import { followKubeconfigCertificate, RestClient } from '@skiff/client';
import { startEtcdCluster, type EtcdCluster } from '@skiff/etcd';
import { createLogger } from '@skiff/log';
import { ensureClusterPki, ensureEtcdPki, issueClientCertificate, renewCertificates, writeKubeconfig, type EtcdPkiFiles } from '@skiff/pki';
import { startCertificateRenewer } from '@skiff/skiff';
import { ApiServerProcess } from '../harness/index.ts';
import { eventually } from '../harness/eventually.ts';

// Ports 28800-28899 belong to this file: etcd 28800-28801, the apiserver 28850.
const ETCD_PORT = 28800;
const API_PORT = 28850;
const LIFE_DAYS = 60 / 86_400;
const namespaces = findResource('', 'v1', 'namespaces')!;

/** The certificate a TLS server presents now (a new handshake each time). */
function servedCertificate(port: number, tls: { ca: string; cert?: string; key?: string }): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: tls.ca, cert: tls.cert, key: tls.key, servername: 'localhost' }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

describe('certificate rotation', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cert-rotation-'));
  const pkiDir = join(dir, 'pki');
  const kubeconfig = join(dir, 'kubeconfigs', 'scheduler.kubeconfig');
  let etcd: EtcdCluster;
  let api: ApiServerProcess;
  let files: EtcdPkiFiles;
  let caCert: string;
  let client: RestClient;
  let stopRenewer: (() => void) | undefined;
  let stopFollowing: (() => void) | undefined;
  let etcdClientRenewals = 0;

  before(async () => {
    const pki = await ensureClusterPki(pkiDir, { apiServerHosts: ['127.0.0.1', 'localhost'] });
    caCert = pki.caCert;
    files = await ensureEtcdPki(pkiDir, { hosts: [] });
    const pair = await issueClientCertificate(pki, 'system:kube-scheduler', []);
    await writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${API_PORT}`,
      caCert,
      clientCert: pair.cert,
      clientKey: pair.key,
      userName: 'system:kube-scheduler',
    });
    // Every leaf one minute long from here on.
    await renewCertificates({ pkiDir, kubeconfigs: [kubeconfig], force: true, validityDays: LIFE_DAYS });
    etcd = await startEtcdCluster({
      size: 1,
      dataRoot: join(dir, 'etcd'),
      basePort: ETCD_PORT,
      logDir: join(dir, 'logs'),
      tls: { caFile: files.caCert, certFile: files.serverCert, keyFile: files.serverKey, peerCertFile: files.peerCert, peerKeyFile: files.peerKey },
    });
    api = new ApiServerProcess({
      url: `https://127.0.0.1:${API_PORT}`,
      caCert,
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
    client = RestClient.fromKubeconfig(kubeconfig);
    stopFollowing = followKubeconfigCertificate(kubeconfig, client, { intervalMs: 1000 });
    stopRenewer = startCertificateRenewer(
      {
        role: 'server',
        components: [
          { name: 'apiserver', flags: [`--client-ca-file=${join(pkiDir, 'ca.crt')}`] },
          { name: 'scheduler', flags: [`--kubeconfig=${kubeconfig}`] },
        ],
      },
      { logger: createLogger('cert-renewer', 'warn'), intervalMs: 2000, validityDays: LIFE_DAYS, onEtcdClientRenewed: () => etcdClientRenewals++ },
    );
  });

  after(async () => {
    stopRenewer?.();
    stopFollowing?.();
    client?.close();
    await api?.stop(5000).catch(() => api?.kill());
    await etcd?.stop();
    if (!process.env.SKIFF_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('renews the serving and client certificates in place while requests keep succeeding', async () => {
    const firstServing = await servedCertificate(API_PORT, { ca: caCert });
    const etcdTls = {
      ca: readFileSync(files.caCert, 'utf8'),
      cert: readFileSync(files.healthcheckClientCert, 'utf8'),
      key: readFileSync(files.healthcheckClientKey, 'utf8'),
    };
    const firstEtcd = await servedCertificate(ETCD_PORT, etcdTls);
    const firstClient = new X509Certificate(client.config.clientCert!);

    let ok = 0;
    const failures: string[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) {
        try {
          await client.get(namespaces, undefined, 'default');
          ok++;
        } catch (err) {
          failures.push(`${new Date().toISOString()} ${(err as Error).message}`);
        }
        await sleep(250);
      }
    })();
    try {
      // The apiserver and etcd present new certificates to new connections.
      const serving = await eventually(
        async () => {
          const now = await servedCertificate(API_PORT, { ca: caCert });
          assert.notEqual(now.serialNumber, firstServing.serialNumber);
          return now;
        },
        90_000,
        1000,
      );
      assert.equal(serving.subject.CN, 'kube-apiserver');
      assert.match(serving.subjectaltname ?? '', /IP Address:127\.0\.0\.1/);
      const etcdNow = await servedCertificate(ETCD_PORT, etcdTls).catch(async () =>
        // The healthcheck client certificate was renewed too: shake hands with the new one.
        servedCertificate(ETCD_PORT, {
          ca: etcdTls.ca,
          cert: readFileSync(files.healthcheckClientCert, 'utf8'),
          key: readFileSync(files.healthcheckClientKey, 'utf8'),
        }),
      );
      assert.notEqual(etcdNow.serialNumber, firstEtcd.serialNumber, 'etcd serves its renewed certificate without a restart');

      // The client took its renewed certificate; after the first one expired, new handshakes still succeed.
      await eventually(async () => assert.notEqual(new X509Certificate(client.config.clientCert!).serialNumber, firstClient.serialNumber), 30_000, 500);
      const expiredAt = new Date(firstClient.validTo).getTime();
      await sleep(Math.max(0, expiredAt + 3000 - Date.now()));
      const okAfterExpiry = ok;
      await eventually(async () => assert.ok(ok >= okAfterExpiry + 4), 20_000, 250);
      assert.ok(etcdClientRenewals >= 1, 'the role is told that the etcd client certificate changed (it restarts for it)');
    } finally {
      looping = false;
      await loop;
    }
    assert.deepEqual(failures, [], `every GET succeeded (${ok} did)`);
  });
});

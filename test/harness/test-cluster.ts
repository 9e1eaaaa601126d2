import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startEtcdCluster, type EtcdCluster } from '@skiff/etcd';
import { ensureClusterPki, issueClientCertificate, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import { ApiServerProcess } from './api-server-process.ts';
import { unmountLeftovers } from './mounts.ts';
import type { ApiTarget } from './api-request.ts';

export interface TestClusterOptions {
  /** etcd members (default 3): ports basePort..basePort+2·members-1. */
  etcdMembers?: number;
  /** First port of the suite's range; the apiserver listens on basePort+100. */
  basePort: number;
  /** The apiserver's port when basePort+100 lies outside the suite's range. */
  apiServerPort?: number;
  etcdRequestTimeoutMs?: number;
  watchBookmarkIntervalMs?: number;
  /** More apiserver flags, `--name=value`. */
  apiServerArgs?: string[];
  /**
   * Issue the apiserver a kubelet-client certificate (CN kube-apiserver-kubelet-client, no groups: RBAC's system:kubelet-api-admin,
   * as pki/apiserver-kubelet-client.{crt,key}) and pass --kubelet-client-certificate/-key, so it can
   * reach kubelets started with --client-ca-file=<dir>/pki/ca.crt for logs, exec, port-forward, stats.
   */
  kubeletClientCert?: boolean;
}

export interface TestCluster {
  /** https://127.0.0.1:PORT */
  server: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  etcd: EtcdCluster;
  pki: ClusterPki;
  apiServer: ApiServerProcess;
  /** The admin (system:masters) by client certificate. */
  admin: ApiTarget;
  /** A bearer token from the token file (user `tester`, group system:masters). */
  token: string;
  /** Nobody: just the CA to trust the server. */
  anonymous: ApiTarget;
  dir: string;
  startApiServer(): Promise<void>;
  /** SIGKILL, like a crash. */
  killApiServer(): Promise<void>;
  /** Graceful stop, then start. */
  restartApiServer(): Promise<void>;
  /** Tears everything down; safe to call twice and after a failed start. */
  stop(): Promise<void>;
  /** Runs `cleanup` first when the cluster stops (helpers that start processes tied to the cluster's life). */
  onStop(cleanup: () => Promise<void>): void;
}

export const TEST_TOKEN = 'skiff-test-token-0123456789';

/**
 * A real control plane for integration suites: an etcd cluster, a fresh PKI, and the
 * apiserver as a child process on loopback. Everything lives in one temp dir removed
 * by stop() (set SKIFF_TEST_KEEP=1 to keep it for the logs).
 */
export async function startTestCluster(opts: TestClusterOptions): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), `skiff-it-${opts.basePort}-`));
  let etcd: EtcdCluster | undefined;
  let apiServer: ApiServerProcess | undefined;
  let stopped = false;
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await apiServer?.stop(5000).catch(() => apiServer?.kill());
    await etcd?.stop();
    unmountLeftovers(dir);
    if (!process.env.SKIFF_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    etcd = await startEtcdCluster({
      size: opts.etcdMembers ?? 3,
      dataRoot: join(dir, 'etcd'),
      basePort: opts.basePort,
      logDir: join(dir, 'logs'),
    });
    const pkiDir = join(dir, 'pki');
    const pki = await ensureClusterPki(pkiDir, { apiServerHosts: ['127.0.0.1', 'localhost'] });
    const kubeletClientArgs: string[] = [];
    if (opts.kubeletClientCert) {
      const pair = await issueClientCertificate(pki, 'kube-apiserver-kubelet-client', []);
      writeFileSync(join(pkiDir, 'apiserver-kubelet-client.crt'), pair.cert);
      writeFileSync(join(pkiDir, 'apiserver-kubelet-client.key'), pair.key, { mode: 0o600 });
      // Kubelets' serving certificates are self-signed, so, as upstream without the flag, they are not verified.
      kubeletClientArgs.push(
        `--kubelet-client-certificate=${join(pkiDir, 'apiserver-kubelet-client.crt')}`,
        `--kubelet-client-key=${join(pkiDir, 'apiserver-kubelet-client.key')}`,
      );
    }
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${TEST_TOKEN},tester,tester-uid,"system:masters"\n`, { mode: 0o600 });
    const port = opts.apiServerPort ?? opts.basePort + 100;
    const server = `https://127.0.0.1:${port}`;
    const args = [
      `--etcd-servers=${etcd.endpoints.join(',')}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${join(pkiDir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pkiDir, 'apiserver.key')}`,
      `--client-ca-file=${join(pkiDir, 'ca.crt')}`,
      `--token-auth-file=${tokenFile}`,
      `--encryption-key-file=${join(pkiDir, 'encryption.key')}`,
      `--service-account-key-file=${join(pkiDir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pkiDir, 'sa.key')}`,
      '--advertise-address=127.0.0.1',
      `--etcd-request-timeout-ms=${opts.etcdRequestTimeoutMs ?? 5000}`,
      ...(opts.watchBookmarkIntervalMs ? [`--watch-bookmark-interval-ms=${opts.watchBookmarkIntervalMs}`] : []),
      ...kubeletClientArgs,
      ...(opts.apiServerArgs ?? []),
    ];
    apiServer = new ApiServerProcess({ args, url: server, caCert: pki.caCert, logFile: join(dir, 'logs', 'apiserver.log') });
    await apiServer.start();
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, { server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const process_ = apiServer;
    return {
      server,
      kubeconfigPath,
      kubeConfig,
      etcd,
      pki,
      apiServer: process_,
      admin: { server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey },
      token: TEST_TOKEN,
      anonymous: { server, caCert: pki.caCert },
      dir,
      startApiServer: () => process_.start(),
      killApiServer: () => process_.kill(),
      async restartApiServer() {
        await process_.stop();
        await process_.start();
      },
      stop,
      onStop: (cleanup) => {
        cleanups.push(cleanup);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

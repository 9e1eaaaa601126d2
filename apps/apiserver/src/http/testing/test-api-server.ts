/**
 * Test fixture: a real etcd member, a fresh cluster PKI and the apiserver in-process,
 * all on the given ports and in a temp dir that `stop()` removes. `request()` speaks
 * HTTPS with the admin client certificate (or a bearer token, or nothing).
 */
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import { startTestEtcd, type TestEtcdCluster } from '../../storage/testing/etcd-process.ts';
import { parseApiServerFlags } from '../../config.ts';
import { run, type ApiServerHandle } from '../../index.ts';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export interface RequestOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** 'cert' (admin client cert, default), a bearer token, or 'anonymous'. */
  auth?: 'cert' | 'anonymous' | { token: string };
}

export interface TestApiServer {
  url: string;
  dir: string;
  pki: ClusterPki;
  kubeconfig: string;
  token: string;
  handle: ApiServerHandle;
  request(path: string, opts?: RequestOptions): Promise<TestResponse>;
  stop(): Promise<void>;
}

export async function startTestApiServer(ports: { etcdBase: number; api: number }, extraFlags: string[] = []): Promise<TestApiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-apiserver-http-'));
  let etcd: TestEtcdCluster | undefined;
  let handle: ApiServerHandle | undefined;
  const stop = async (): Promise<void> => {
    await handle?.close().catch(() => undefined);
    await etcd?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    etcd = await startTestEtcd(1, ports.etcdBase);
    const pki = await ensureClusterPki(join(dir, 'pki'), { apiServerHosts: ['127.0.0.1', 'localhost'] });
    const token = 'test-token-0123456789';
    await writeFile(join(dir, 'tokens.csv'), `${token},tester,1001,"devs,qa"\n`);
    const config = parseApiServerFlags([
      `--etcd-servers=${etcd.endpoints.join(',')}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.api}`,
      `--tls-cert-file=${join(pki.dir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki.dir, 'apiserver.key')}`,
      `--client-ca-file=${join(pki.dir, 'ca.crt')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      `--encryption-key-file=${join(pki.dir, 'encryption.key')}`,
      `--log-level=${process.env.SKIFF_LOG_LEVEL ?? 'error'}`,
      ...extraFlags,
    ]);
    handle = await run(config);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, { server: handle.url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
    const url = handle.url;
    return {
      url,
      dir,
      pki,
      kubeconfig,
      token,
      handle,
      stop,
      request: (path, opts = {}) => sendRequest(url, pki, path, opts),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function sendRequest(base: string, pki: ClusterPki, path: string, opts: RequestOptions): Promise<TestResponse> {
  const auth = opts.auth ?? 'cert';
  const headers: Record<string, string> = { ...opts.headers };
  if (typeof auth === 'object') headers.authorization = `Bearer ${auth.token}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, base),
      {
        method: opts.method ?? 'GET',
        headers,
        ca: pki.caCert,
        ...(auth === 'cert' ? { cert: pki.adminCert, key: pki.adminKey } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

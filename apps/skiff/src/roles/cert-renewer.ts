/**
 * The certificate renewer of `skiff server`: the control-plane host keeps the CA keys, so its role
 * process looks every 30 s (SKIFF_CERT_RENEW_INTERVAL_SECONDS) at every leaf under $SKIFF_HOME/pki
 * (the cluster's, the front-proxy's, etcd's) and the client certificates in the kubeconfigs the
 * launcher wrote, and reissues those past two thirds of their life. Nobody restarts for it: the
 * apiserver and etcd take new serving certificates at the next handshake, the components' clients
 * follow their kubeconfigs. The one exception is the apiserver's etcd client certificate, which the
 * gRPC client holds in memory: when it is renewed the role restarts itself (workloads, which are
 * Docker containers, do not notice).
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { renewCertificates } from '@skiff/pki';
import type { Logger } from '@skiff/log';
import type { RoleConfig } from './roles.ts';

export const RENEW_INTERVAL_MS = 30_000;

export function renewIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.SKIFF_CERT_RENEW_INTERVAL_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : RENEW_INTERVAL_MS;
}

function flagValue(flags: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return flags.find((f) => f.startsWith(prefix))?.slice(prefix.length);
}

/** Where a server role's certificates are: the apiserver's --client-ca-file's directory, and the kubeconfigs. */
export async function renewalTargets(config: RoleConfig): Promise<{ pkiDir: string; kubeconfigs: string[] } | undefined> {
  const apiserver = config.components.find((c) => c.name === 'apiserver');
  const ca = apiserver && flagValue(apiserver.flags, 'client-ca-file');
  if (!ca) return undefined;
  const pkiDir = dirname(ca);
  const own = config.components.map((c) => flagValue(c.flags, 'kubeconfig')).filter((k): k is string => k !== undefined);
  return { pkiDir, kubeconfigs: [...new Set([...(await launcherKubeconfigs(dirname(pkiDir))), ...own])] };
}

/**
 * The kubeconfigs `up` writes under SKIFF_HOME: the admin's, and one per component in kubeconfigs/
 * but the kubelet's, whose client certificate the kubelet renews itself through the CSR API.
 */
export async function launcherKubeconfigs(home: string): Promise<string[]> {
  const names = await readdir(join(home, 'kubeconfigs')).catch(() => [] as string[]);
  const components = names.filter((n) => n.endsWith('.kubeconfig') && n !== 'kubelet.kubeconfig');
  return [join(home, 'kubeconfig'), ...components.map((n) => join(home, 'kubeconfigs', n))];
}

/** The etcd client certificate file's identity: it changes when this loop or `skiff certs rotate` replaces it. */
async function etcdClientStamp(pkiDir: string): Promise<string> {
  const s = await stat(join(pkiDir, 'apiserver-etcd-client.crt')).catch(() => undefined);
  return s ? `${s.ino}:${s.mtimeMs}` : '-';
}

/**
 * Renews what is due every `intervalMs`, logging each renewal; `onEtcdClientRenewed` is told when
 * the apiserver's etcd client certificate file changed (renewed here or by `skiff certs rotate`).
 * Returns a function that stops it.
 */
export function startCertificateRenewer(
  config: RoleConfig,
  opts: { logger: Logger; intervalMs?: number; validityDays?: number; onEtcdClientRenewed?: () => void },
): () => void {
  let busy = false;
  let etcdClient: string | undefined;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const targets = await renewalTargets(config);
      if (!targets) return;
      etcdClient ??= await etcdClientStamp(targets.pkiDir);
      const renewed = await renewCertificates({ ...targets, ...(opts.validityDays ? { validityDays: opts.validityDays } : {}) });
      for (const r of renewed) opts.logger.info({ certificate: r.source, subject: r.subject, notAfter: r.notAfter.toISOString() }, 'certificate renewed');
      const stamp = await etcdClientStamp(targets.pkiDir);
      if (stamp !== etcdClient) {
        etcdClient = stamp;
        opts.onEtcdClientRenewed?.();
      }
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, 'certificate renewal failed; trying again');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? renewIntervalMs());
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}

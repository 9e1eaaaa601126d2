import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: the launcher runs components straight from their sources. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** The processes the launcher manages on one host, by their own names (they name pid and log files). */
export type ManagedProcessName = 'etcd' | 'server' | 'agent' | 'kubelet-hollow';

/** Where a Skiff installation keeps its state; see docs/operations.md. */
export type SkiffPaths = {
  home: string;
  etcdDataDir: string;
  pkiDir: string;
  kubeconfig: string;
  /** One kubeconfig per control-plane component, each with its own client certificate. */
  kubeconfigDir: string;
  runDir: string;
  logDir: string;
};

/**
 * SKIFF_HOME when set; else /var/lib/skiff for root (a system service's place) and ~/.skiff for
 * anyone else, so an unprivileged user can still run the parts that need no root.
 */
export function resolveSkiffHome(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.SKIFF_HOME) return resolve(env.SKIFF_HOME);
  return uid === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
}

export function resolveSkiffPaths(env: NodeJS.ProcessEnv = process.env): SkiffPaths {
  const home = resolveSkiffHome(env);
  return {
    home,
    etcdDataDir: join(home, 'etcd'),
    pkiDir: join(home, 'pki'),
    kubeconfig: join(home, 'kubeconfig'),
    kubeconfigDir: join(home, 'kubeconfigs'),
    runDir: join(home, 'run'),
    logDir: join(home, 'logs'),
  };
}

export function getPidFile(paths: SkiffPaths, component: string): string {
  return join(paths.runDir, `${component}.pid`);
}

/** Where the node's local-path provisioner puts volumes: user data, which `down` leaves in place. */
export function localPathRoot(paths: SkiffPaths): string {
  return join(paths.home, 'storage');
}

export function getLogFile(paths: SkiffPaths, component: string): string {
  return join(paths.logDir, `${component}.log`);
}

/** Ports of the single-host cluster; the env overrides exist for tests that must not take the defaults. */
export type SkiffPorts = {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  /** Plain-HTTP /metrics and /healthz on loopback, on kube's own ports for these components. */
  controllerManager: number;
  scheduler: number;
  /** The hollow kubelet's /metrics (kube's old read-only port: 10248 is the real kubelet's healthz). */
  kubeletHollow: number;
  /** The Docker kubelet: its HTTPS API, and /healthz on loopback. */
  kubelet: number;
  kubeletHealthz: number;
  kubeProxyMetrics: number;
  dnsMetrics: number;
  localPathMetrics: number;
  ingressMetrics: number;
  networkPolicyMetrics: number;
  /** The built-in ingress controller's listeners on every address of the node. */
  ingressHttp: number;
  ingressHttps: number;
};

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw}: not a TCP port`);
  return port;
}

export function resolveSkiffPorts(env: NodeJS.ProcessEnv = process.env): SkiffPorts {
  return {
    etcdClient: readPort(env, 'SKIFF_ETCD_CLIENT_PORT', 2379),
    etcdPeer: readPort(env, 'SKIFF_ETCD_PEER_PORT', 2380),
    apiServer: readPort(env, 'SKIFF_APISERVER_PORT', 6443),
    controllerManager: readPort(env, 'SKIFF_CONTROLLER_MANAGER_PORT', 10257),
    scheduler: readPort(env, 'SKIFF_SCHEDULER_PORT', 10259),
    kubeletHollow: readPort(env, 'SKIFF_KUBELET_HOLLOW_PORT', 10255),
    kubelet: readPort(env, 'SKIFF_KUBELET_PORT', 10250),
    kubeletHealthz: readPort(env, 'SKIFF_KUBELET_HEALTHZ_PORT', 10248),
    kubeProxyMetrics: readPort(env, 'SKIFF_KUBE_PROXY_METRICS_PORT', 10249),
    dnsMetrics: readPort(env, 'SKIFF_DNS_METRICS_PORT', 9153),
    localPathMetrics: readPort(env, 'SKIFF_LOCAL_PATH_METRICS_PORT', 10262),
    ingressMetrics: readPort(env, 'SKIFF_INGRESS_METRICS_PORT', 10254),
    networkPolicyMetrics: readPort(env, 'SKIFF_NETWORK_POLICY_METRICS_PORT', 10263),
    ingressHttp: readPort(env, 'SKIFF_INGRESS_HTTP_PORT', 80),
    ingressHttps: readPort(env, 'SKIFF_INGRESS_HTTPS_PORT', 443),
  };
}

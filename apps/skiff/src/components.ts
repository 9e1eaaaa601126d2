import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { clientUrlOf, etcdCommand, isEtcdHealthy, peerUrlOf, type EtcdClientTls, type EtcdMemberSpec, type EtcdMemberTls } from '@skiff/etcd';
import { etcdPkiFiles } from '@skiff/pki';
import { REPO_ROOT, getLogFile, getPidFile, type SkiffPaths, type SkiffPorts } from './paths.ts';
import type { ComponentSpec, ManagedProcess } from './processes.ts';
import { apiServerFlags, controllerManagerFlags, hollowKubeletFlags, pkiFilesIn, schedulerFlags } from './roles/component-flags.ts';
import { componentCommand, roleConfigFile, roleMarker, roleSpec, type RoleConfig, type RoleName } from './roles/roles.ts';

export type { ComponentSpec } from './processes.ts';

/** The cluster's pod network; the node-ipam controller hands each node a /24 of it. */
export const CLUSTER_CIDR = '10.244.0.0/16';

/** An etcd member's certificates in a pki dir, kubeadm's layout (pki/etcd/{ca,server,peer}.crt). */
export function etcdMemberTls(pkiDir: string): EtcdMemberTls {
  const files = etcdPkiFiles(pkiDir);
  return { caFile: files.caCert, certFile: files.serverCert, keyFile: files.serverKey, peerCertFile: files.peerCert, peerKeyFile: files.peerKey };
}

/** What the operator's tools show etcd: the etcd CA and etcd/healthcheck-client.crt (read when asked). */
export async function readEtcdHealthcheckClient(pkiDir: string): Promise<EtcdClientTls> {
  const files = etcdPkiFiles(pkiDir);
  const [ca, cert, key] = await Promise.all([files.caCert, files.healthcheckClientCert, files.healthcheckClientKey].map((f) => readFile(f)));
  return { ca: ca!, cert: cert!, key: key! };
}

/** /health of an https member with the healthcheck-client certificate; no certificates yet: not healthy. */
export async function isEtcdHealthyWithPki(clientUrl: string, pkiDir: string): Promise<boolean> {
  const tls = await readEtcdHealthcheckClient(pkiDir).catch(() => undefined);
  return tls !== undefined && isEtcdHealthy(clientUrl, 1000, tls);
}

function createEtcdSpec(paths: SkiffPaths, ports: SkiffPorts): EtcdMemberSpec {
  return { name: 'skiff', dataDir: paths.etcdDataDir, clientPort: ports.etcdClient, peerPort: ports.etcdPeer, tls: etcdMemberTls(paths.pkiDir) };
}

export function getEtcdComponent(paths: SkiffPaths, ports: SkiffPorts): ComponentSpec {
  const spec = createEtcdSpec(paths, ports);
  const clientUrl = clientUrlOf(spec);
  const proc: ManagedProcess = {
    name: 'etcd',
    pidFile: getPidFile(paths, 'etcd'),
    logFile: getLogFile(paths, 'etcd'),
    // Our member's data dir is on its command line; another etcd on this machine has another one.
    marker: `--data-dir=${paths.etcdDataDir}`,
  };
  return {
    ...proc,
    healthUrl: `${clientUrl}/health`,
    isHealthy: () => isEtcdHealthyWithPki(clientUrl, paths.pkiDir),
    createStartOptions: () => {
      const { bin, args } = etcdCommand(spec);
      return { ...proc, command: bin, args, cwd: paths.home };
    },
  };
}

export function getEtcdEndpoint(paths: SkiffPaths, ports: SkiffPorts): string {
  return clientUrlOf(createEtcdSpec(paths, ports));
}

export function getEtcdPeerUrl(paths: SkiffPaths, ports: SkiffPorts): string {
  return peerUrlOf(createEtcdSpec(paths, ports));
}

/** GET /readyz over HTTPS, trusting only the cluster CA (as a client of the cluster would). */
export function isApiServerReady(url: string, caCert: string | Buffer, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolveReady) => {
    const req = request(`${url}/readyz`, { ca: caCert, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveReady(res.statusCode === 200 && body.trim() === 'ok'));
      res.on('error', () => resolveReady(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveReady(false));
    req.end();
  });
}

export function getApiServerUrl(ports: SkiffPorts): string {
  return `https://127.0.0.1:${ports.apiServer}`;
}

/** GET /healthz over plain HTTP on loopback: where controller-manager, scheduler and kubelet report. */
export async function isHealthzOk(port: number, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The API clients `up` gives a kubeconfig of their own: the server's two, and the hollow kubelet. */
export type ClientComponentName = 'controller-manager' | 'scheduler' | 'kubelet-hollow';
export const CLIENT_COMPONENT_NAMES: ClientComponentName[] = ['controller-manager', 'scheduler', 'kubelet-hollow'];

/** The client certificate's user (CN) and groups (O), as kubeadm issues them. */
const CLIENT_IDENTITIES: Record<ClientComponentName, { user: string; groups: string[] }> = {
  'controller-manager': { user: 'system:kube-controller-manager', groups: [] },
  scheduler: { user: 'system:kube-scheduler', groups: [] },
  // One process speaks for many nodes, so it cannot be one system:node:<name>.
  'kubelet-hollow': { user: 'system:kubelet-hollow', groups: ['system:nodes'] },
};

export function getClientIdentity(name: ClientComponentName): { user: string; groups: string[] } {
  return CLIENT_IDENTITIES[name];
}

export function getComponentKubeconfig(paths: SkiffPaths, name: ClientComponentName): string {
  return join(paths.kubeconfigDir, `${name}.kubeconfig`);
}

/** A role's process, as the launcher tracks it: run/<role>.pid, logs/<role>.log, its role file as marker. */
export function roleProcess(paths: SkiffPaths, role: RoleName): ManagedProcess {
  return { name: role, pidFile: getPidFile(paths, role), logFile: getLogFile(paths, role), marker: roleMarker(roleConfigFile(paths.home, role)) };
}

/** A component inside a role: its own name and health check, the role's process. */
export function memberOf(proc: ManagedProcess, name: string, healthUrl: string, isHealthy: () => Promise<boolean>): ComponentSpec {
  return {
    ...proc,
    name,
    healthUrl,
    isHealthy,
    createStartOptions: () => {
      throw new Error(`${name} runs inside the ${proc.name} process: start the role`);
    },
  };
}

export type HostRole = ComponentSpec & { config: RoleConfig; writeConfig(): Promise<void>; members: ComponentSpec[] };

/**
 * `skiff server` on this host: the apiserver on :6443 over the local etcd (with its kubelet-client
 * certificate), the controller-manager and the scheduler, each with its own kubeconfig and health port.
 */
export function getServerRole(paths: SkiffPaths, ports: SkiffPorts, opts: { caCert: () => Promise<string | Buffer>; advertiseAddress?: string }): HostRole {
  const proc = roleProcess(paths, 'server');
  const url = getApiServerUrl(ports);
  const pki = pkiFilesIn(paths.pkiDir);
  const config: RoleConfig = {
    role: 'server',
    components: [
      {
        name: 'apiserver',
        flags: apiServerFlags({
          etcdServers: [getEtcdEndpoint(paths, ports)],
          bindAddress: '0.0.0.0',
          securePort: ports.apiServer,
          ...(opts.advertiseAddress ? { advertiseAddress: opts.advertiseAddress } : {}),
          pki,
          kubeletClient: true,
          etcdTls: true,
          auditLogPath: join(paths.logDir, 'audit.log'),
        }),
      },
      {
        name: 'controller-manager',
        flags: controllerManagerFlags({
          kubeconfig: getComponentKubeconfig(paths, 'controller-manager'),
          metricsPort: ports.controllerManager,
          leaderElect: true,
          clusterCidr: CLUSTER_CIDR,
          signingPki: pki,
        }),
      },
      { name: 'scheduler', flags: schedulerFlags({ kubeconfig: getComponentKubeconfig(paths, 'scheduler'), metricsPort: ports.scheduler, leaderElect: true }) },
    ],
  };
  const members = [
    memberOf(proc, 'apiserver', `${url}/readyz`, async () => isApiServerReady(url, await opts.caCert())),
    memberOf(proc, 'controller-manager', `http://127.0.0.1:${ports.controllerManager}/healthz`, () => isHealthzOk(ports.controllerManager)),
    memberOf(proc, 'scheduler', `http://127.0.0.1:${ports.scheduler}/healthz`, () => isHealthzOk(ports.scheduler)),
  ];
  return { ...roleSpec(proc, config, roleConfigFile(paths.home, 'server'), members, { restartOnFailure: true }), members };
}

/** N hollow nodes (fake runtime) in one kubelet process of their own: `skiff run kubelet --hollow-nodes=N`. */
export function getHollowKubelet(paths: SkiffPaths, ports: SkiffPorts, hollowNodes = 0): ComponentSpec {
  const kubeconfig = getComponentKubeconfig(paths, 'kubelet-hollow');
  const proc: ManagedProcess = {
    name: 'kubelet-hollow',
    pidFile: getPidFile(paths, 'kubelet-hollow'),
    logFile: getLogFile(paths, 'kubelet-hollow'),
    marker: `--kubeconfig=${kubeconfig}`,
  };
  const port = ports.kubeletHollow;
  return {
    ...proc,
    healthUrl: `http://127.0.0.1:${port}/healthz`,
    isHealthy: () => isHealthzOk(port),
    createStartOptions: () => ({ ...proc, ...componentCommand('kubelet', hollowKubeletFlags({ kubeconfig, metricsPort: port, hollowNodes })), cwd: REPO_ROOT }),
  };
}

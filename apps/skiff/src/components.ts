import { request } from 'node:https';
import { join } from 'node:path';
import { clientUrlOf, etcdCommand, isEtcdHealthy, type EtcdMemberSpec } from '@skiff/etcd';
import { REPO_ROOT, getLogFile, getPidFile, type SkiffPaths, type SkiffPorts } from './paths.ts';
import type { ComponentSpec, ManagedProcess } from './processes.ts';

export type { ComponentSpec } from './processes.ts';

const APISERVER_MAIN = join(REPO_ROOT, 'apps/apiserver/src/main.ts');

function createEtcdSpec(paths: SkiffPaths, ports: SkiffPorts): EtcdMemberSpec {
  return { name: 'skiff', dataDir: paths.etcdDataDir, clientPort: ports.etcdClient, peerPort: ports.etcdPeer };
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
    isHealthy: () => isEtcdHealthy(clientUrl),
    createStartOptions: () => {
      const { bin, args } = etcdCommand(spec);
      return { ...proc, command: bin, args, cwd: paths.home };
    },
  };
}

export function getEtcdEndpoint(paths: SkiffPaths, ports: SkiffPorts): string {
  return clientUrlOf(createEtcdSpec(paths, ports));
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

export type ApiServerOptions = {
  caCert: () => Promise<string | Buffer>;
  advertiseAddress?: string;
  /** More flags (the --kubelet-client-* pair when the cluster has a real kubelet). */
  extraArgs?: string[];
};

export function getApiServerUrl(ports: SkiffPorts): string {
  return `https://127.0.0.1:${ports.apiServer}`;
}

export function getApiServerComponent(paths: SkiffPaths, ports: SkiffPorts, opts: ApiServerOptions): ComponentSpec {
  const proc: ManagedProcess = {
    name: 'apiserver',
    pidFile: getPidFile(paths, 'apiserver'),
    logFile: getLogFile(paths, 'apiserver'),
    marker: APISERVER_MAIN,
  };
  const url = getApiServerUrl(ports);
  const pki = (file: string) => join(paths.pkiDir, file);
  return {
    ...proc,
    healthUrl: `${url}/readyz`,
    isHealthy: async () => isApiServerReady(url, await opts.caCert()),
    createStartOptions: () => ({
      ...proc,
      command: process.execPath,
      args: [
        APISERVER_MAIN,
        `--etcd-servers=${getEtcdEndpoint(paths, ports)}`,
        '--bind-address=0.0.0.0',
        `--secure-port=${ports.apiServer}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--client-ca-file=${pki('ca.crt')}`,
        `--encryption-key-file=${pki('encryption.key')}`,
        ...(opts.advertiseAddress ? [`--advertise-address=${opts.advertiseAddress}`] : []),
        ...(opts.extraArgs ?? []),
      ],
      cwd: REPO_ROOT,
    }),
  };
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

/**
 * A Skiff component run as `node <script> <args>` whose health is its plain-HTTP /healthz on a
 * loopback port: the controller-manager, scheduler, kubelets, kube-proxy and dns, on one host or in the lab.
 */
export function nodeScriptComponent(proc: ManagedProcess, script: string, healthzPort: number, args: string[]): ComponentSpec {
  return {
    ...proc,
    healthUrl: `http://127.0.0.1:${healthzPort}/healthz`,
    isHealthy: () => isHealthzOk(healthzPort),
    createStartOptions: () => ({ ...proc, command: process.execPath, args: [script, ...args], cwd: REPO_ROOT }),
  };
}

/** The API clients the launcher runs beside the apiserver, in start order. */
export type ClientComponentName = 'controller-manager' | 'scheduler' | 'kubelet-hollow';

type ClientComponentDef = {
  script: string;
  /** The client certificate's user (CN) and groups (O), as kubeadm issues them. */
  user: string;
  groups: string[];
  port: (ports: SkiffPorts) => number;
  flags: (opts: { hollowNodes: number; pkiDir: string }) => string[];
};

const clientComponents: Record<ClientComponentName, ClientComponentDef> = {
  'controller-manager': {
    script: 'apps/controller-manager/src/main.ts',
    user: 'system:kube-controller-manager',
    groups: [],
    port: (p) => p.controllerManager,
    // The node-ipam controller hands each node a /24 of it: the kubelet's pod network. The CSR
    // signer issues `skiff join`'s node certificates with the cluster CA.
    flags: ({ pkiDir }) => [
      '--leader-elect=true', '--cluster-cidr=10.244.0.0/16',
      `--cluster-signing-cert-file=${join(pkiDir, 'ca.crt')}`, `--cluster-signing-key-file=${join(pkiDir, 'ca.key')}`,
    ],
  },
  scheduler: {
    script: 'apps/scheduler/src/main.ts',
    user: 'system:kube-scheduler',
    groups: [],
    port: (p) => p.scheduler,
    flags: () => ['--leader-elect=true'],
  },
  'kubelet-hollow': {
    script: 'apps/kubelet/src/main.ts',
    // One process speaks for many nodes, so it cannot be one system:node:<name>.
    user: 'system:kubelet-hollow',
    groups: ['system:nodes'],
    port: (p) => p.kubeletHollow,
    flags: ({ hollowNodes }) => [`--hollow-nodes=${hollowNodes}`],
  },
};

export const CLIENT_COMPONENT_NAMES = Object.keys(clientComponents) as ClientComponentName[];

export function getClientIdentity(name: ClientComponentName): { user: string; groups: string[] } {
  const def = clientComponents[name];
  return { user: def.user, groups: def.groups };
}

export function getComponentKubeconfig(paths: SkiffPaths, name: ClientComponentName): string {
  return join(paths.kubeconfigDir, `${name}.kubeconfig`);
}

/** controller-manager, scheduler or the hollow kubelet: `node <script> --kubeconfig=... --metrics-port=...`. */
export function getClientComponent(paths: SkiffPaths, ports: SkiffPorts, name: ClientComponentName, opts: { hollowNodes?: number } = {}): ComponentSpec {
  const def = clientComponents[name];
  const main = join(REPO_ROOT, def.script);
  const port = def.port(ports);
  const proc: ManagedProcess = { name, pidFile: getPidFile(paths, name), logFile: getLogFile(paths, name), marker: main };
  return nodeScriptComponent(proc, main, port, [
    `--kubeconfig=${getComponentKubeconfig(paths, name)}`, `--metrics-port=${port}`,
    ...def.flags({ hollowNodes: opts.hollowNodes ?? 0, pkiDir: paths.pkiDir }),
  ]);
}

/**
 * Every process of a lab, as ComponentSpecs (how to start it, how to tell it is healthy): the control
 * plane on the host (etcd members, apiservers, the balancer in front of them, controller-managers,
 * schedulers, the registry) and per node the agents started inside its netns (kubelet, kube-proxy, dns).
 */
import { request } from 'node:https';
import { join } from 'node:path';
import { clientUrlOf, etcdCommand, isEtcdHealthy, peerUrlOf, type EtcdMemberSpec } from '@skiff/etcd';
import { REPO_ROOT } from '../paths.ts';
import type { ManagedProcess } from '../processes.ts';
import { isApiServerReady, nodeScriptComponent, type ComponentSpec } from '../components.ts';
import { tryCommand } from './run-command.ts';
import { LAB_CLUSTER_CIDR, LAB_DNS_ADDRESS, type LabLayout, type LabNode } from './lab-layout.ts';

/** Node-failure timings of a CI lab: NotReady 12 s after the last heartbeat, pods evicted 10 s later. */
export const FAST_FAILOVER = {
  nodeMonitorGracePeriodSeconds: 12,
  tolerationSeconds: 10,
  kubeletHeartbeatMs: 3000,
} as const;

const script = (path: string) => join(REPO_ROOT, path);
const APISERVER_MAIN = script('apps/apiserver/src/main.ts');
const CONTROLLER_MANAGER_MAIN = script('apps/controller-manager/src/main.ts');
const SCHEDULER_MAIN = script('apps/scheduler/src/main.ts');
const KUBELET_MAIN = script('apps/kubelet/src/main.ts');
const KUBE_PROXY_MAIN = script('apps/kube-proxy/src/main.ts');
const DNS_MAIN = script('apps/dns/src/main.ts');
const BALANCER_MAIN = script('apps/skiff/src/lab/tcp-balancer-main.ts');

function proc(layout: LabLayout, name: string, marker: string): ManagedProcess {
  const file = name.replace('/', '.');
  return { name, pidFile: join(layout.runDir, `${file}.pid`), logFile: join(layout.logDir, `${file}.log`), marker };
}

export function labPki(layout: LabLayout, file: string): string {
  return join(layout.pkiDir, file);
}

export function labKubeconfig(layout: LabLayout, name: string): string {
  return join(layout.kubeconfigDir, `${name.replace('/', '.')}.kubeconfig`);
}

export function balancerUrl(layout: LabLayout): string {
  return `https://${layout.hostIp}:${layout.balancerPort}`;
}

/**
 * etcd speaks plain HTTP without client auth, so its members listen on loopback: only the
 * apiservers, which run on the host, talk to it. On the lab bridge, nodes (and by routing, pods)
 * could reach it and read every object, Secrets included.
 */
function etcdSpecs(layout: LabLayout): EtcdMemberSpec[] {
  const base = layout.etcd.map((m) => ({ name: m.name, dataDir: m.dataDir, clientPort: m.clientPort, peerPort: m.peerPort, host: '127.0.0.1' }));
  const initialCluster = base.map((s) => `${s.name}=${peerUrlOf(s)}`).join(',');
  return base.map((s) => ({ ...s, initialCluster, clusterState: 'new', clusterToken: `skiff-lab-${layout.slot}` }));
}

export function etcdEndpoints(layout: LabLayout): string[] {
  return etcdSpecs(layout).map(clientUrlOf);
}

export function etcdComponents(layout: LabLayout): ComponentSpec[] {
  return etcdSpecs(layout).map((spec) => {
    const p = proc(layout, spec.name, `--data-dir=${spec.dataDir}`);
    const url = clientUrlOf(spec);
    return {
      ...p,
      healthUrl: `${url}/health`,
      isHealthy: () => isEtcdHealthy(url),
      createStartOptions: () => {
        const { bin, args } = etcdCommand(spec);
        return { ...p, command: bin, args, cwd: layout.dir };
      },
    };
  });
}

export function apiServerComponents(layout: LabLayout, caCert: () => Promise<string>, fastFailover: boolean): ComponentSpec[] {
  return layout.apiServerPorts.map((port, i) => {
    const p = proc(layout, `apiserver-${i}`, `--secure-port=${port}`);
    const url = `https://${layout.hostIp}:${port}`;
    const pki = (f: string) => labPki(layout, f);
    return {
      ...p,
      healthUrl: `${url}/readyz`,
      isHealthy: async () => isApiServerReady(url, await caCert()),
      createStartOptions: () => ({
        ...p,
        command: process.execPath,
        args: [
          APISERVER_MAIN,
          `--etcd-servers=${etcdEndpoints(layout).join(',')}`,
          `--bind-address=${layout.hostIp}`,
          `--secure-port=${port}`,
          `--advertise-address=${layout.hostIp}`,
          `--tls-cert-file=${pki('apiserver.crt')}`,
          `--tls-private-key-file=${pki('apiserver.key')}`,
          `--client-ca-file=${pki('ca.crt')}`,
          `--encryption-key-file=${pki('encryption.key')}`,
          `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
          `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
          ...(fastFailover
            ? [`--default-not-ready-toleration-seconds=${FAST_FAILOVER.tolerationSeconds}`, `--default-unreachable-toleration-seconds=${FAST_FAILOVER.tolerationSeconds}`]
            : []),
        ],
        cwd: REPO_ROOT,
      }),
    };
  });
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolveUp) => {
    const req = request({ host, port, path: '/readyz', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolveUp(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveUp(false));
    req.end();
  });
}

export function balancerComponent(layout: LabLayout): ComponentSpec {
  const listen = `${layout.hostIp}:${layout.balancerPort}`;
  const p = proc(layout, 'apiserver-balancer', `--listen=${listen}`);
  return {
    ...p,
    healthUrl: `${balancerUrl(layout)}/readyz`,
    // Any HTTP answer through it means it listens and reaches an apiserver.
    isHealthy: () => tcpOpen(layout.hostIp, layout.balancerPort),
    createStartOptions: () => ({
      ...p,
      command: process.execPath,
      args: [BALANCER_MAIN, `--listen=${listen}`, `--backends=${layout.apiServerPorts.map((port) => `${layout.hostIp}:${port}`).join(',')}`],
      cwd: REPO_ROOT,
    }),
  };
}

function hostClient(layout: LabLayout, name: string, main: string, port: number, flags: string[]): ComponentSpec {
  return nodeScriptComponent(proc(layout, name, `--metrics-port=${port}`), main, port, [`--kubeconfig=${labKubeconfig(layout, name)}`, `--metrics-port=${port}`, ...flags]);
}

export function controllerManagerComponents(layout: LabLayout, fastFailover: boolean): ComponentSpec[] {
  return layout.controllerManagerPorts.map((port, i) => hostClient(layout, `controller-manager-${i}`, CONTROLLER_MANAGER_MAIN, port, [
    '--leader-elect=true',
    `--cluster-cidr=${LAB_CLUSTER_CIDR}`,
    ...(fastFailover ? [`--node-monitor-grace-period=${FAST_FAILOVER.nodeMonitorGracePeriodSeconds}`] : []),
  ]));
}

export function schedulerComponents(layout: LabLayout): ComponentSpec[] {
  return layout.schedulerPorts.map((port, i) => hostClient(layout, `scheduler-${i}`, SCHEDULER_MAIN, port, ['--leader-elect=true']));
}

export function registryComponent(layout: LabLayout): ComponentSpec {
  const config = join(layout.dir, 'registry', 'config.yml');
  const p = proc(layout, 'registry', config);
  const url = `http://${layout.hostIp}:${layout.registryPort}/v2/`;
  return {
    ...p,
    healthUrl: url,
    isHealthy: async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.status === 200;
      } catch {
        return false;
      }
    },
    createStartOptions: () => ({ ...p, command: '/usr/bin/docker-registry', args: ['serve', config], cwd: layout.dir }),
  };
}

export function registryConfig(layout: LabLayout): string {
  return `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${join(layout.dir, 'registry', 'data')}
  delete:
    enabled: true
http:
  addr: ${layout.hostIp}:${layout.registryPort}
`;
}

/**
 * An agent's loopback /healthz inside the node's netns (the host cannot reach that loopback):
 * busybox wget run in the netns (Debian's busybox-static, which ./skiff installs).
 */
async function netnsHealthzOk(node: LabNode, port: number): Promise<boolean> {
  // (busybox-static 1.35's wget crashes with -T: the timeout is ours instead.)
  const r = await tryCommand('nsenter', [`--net=${node.netns}`, 'busybox', 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/healthz`], undefined, 3000);
  return r.code === 0;
}

export type NodeAgentName = 'kubelet' | 'kube-proxy' | 'dns';
export const NODE_AGENTS: NodeAgentName[] = ['kubelet', 'kube-proxy', 'dns'];
/** Their default loopback health/metrics ports (each node has its own loopback). */
const AGENT_HEALTHZ_PORT: Record<NodeAgentName, number> = { kubelet: 10248, 'kube-proxy': 10249, dns: 9153 };

export function kubeletRootDir(node: LabNode): string {
  return join(node.dir, 'kubelet');
}

/** A node agent, run inside the node's netns; its health is checked from the host where it can be. */
export function nodeAgentComponent(layout: LabLayout, node: LabNode, agent: NodeAgentName, fastFailover: boolean): ComponentSpec {
  const name = `${node.name}/${agent}`;
  const kubeconfig = labKubeconfig(layout, name);
  const pki = (f: string) => labPki(layout, f);
  let main: string;
  let flags: string[];
  let marker: string;
  if (agent === 'kubelet') {
    main = KUBELET_MAIN;
    marker = `--root-dir=${kubeletRootDir(node)}`;
    const heartbeat = fastFailover ? [`--heartbeat-interval-ms=${FAST_FAILOVER.kubeletHeartbeatMs}`, `--node-status-update-frequency-ms=${FAST_FAILOVER.kubeletHeartbeatMs}`] : [];
    flags = [
      `--node-name=${node.name}`, `--docker-host=${node.dockerHost}`, `--node-ip=${node.ip}`, marker,
      '--network-name=skiff0', `--cluster-dns=${LAB_DNS_ADDRESS}`,
      `--tls-cert-file=${pki(`${node.name}.kubelet.crt`)}`, `--tls-private-key-file=${pki(`${node.name}.kubelet.key`)}`,
      `--client-ca-file=${pki('ca.crt')}`, `--node-labels=skiff.dev/lab-node=${node.name}`, ...heartbeat,
    ];
  } else if (agent === 'kube-proxy') {
    main = KUBE_PROXY_MAIN;
    marker = `--kubeconfig=${kubeconfig}`;
    flags = [`--node-name=${node.name}`, `--cluster-cidr=${LAB_CLUSTER_CIDR}`];
  } else {
    main = DNS_MAIN;
    marker = `--kubeconfig=${kubeconfig}`;
    // Nodes have no route to the internet: only cluster names resolve (upstream is the host, best effort).
    flags = [`--bind=${LAB_DNS_ADDRESS}`, '--port=53', `--upstream=${layout.hostIp}`];
  }
  const p = proc(layout, name, marker);
  return {
    ...p,
    healthUrl: `http://127.0.0.1:${AGENT_HEALTHZ_PORT[agent]}/healthz in ${node.netns}`,
    isHealthy: () => netnsHealthzOk(node, AGENT_HEALTHZ_PORT[agent]),
    createStartOptions: () => ({
      ...p,
      command: 'nsenter',
      args: [`--net=${node.netns}`, process.execPath, main, `--kubeconfig=${kubeconfig}`, ...flags.filter((f) => f !== marker || agent === 'kubelet')],
      cwd: REPO_ROOT,
      env: { ...process.env, SKIFF_LOG_LEVEL: process.env.SKIFF_LAB_LOG_LEVEL ?? 'info' },
    }),
  };
}

/**
 * Every process of a lab, as ComponentSpecs (how to start it, how to tell it is healthy): on the host
 * the etcd members, one server role per control plane (apiserver, controller-manager, scheduler), the
 * balancer in front of the apiservers and the registry; per node one agent role (kubelet, kube-proxy,
 * dns) started inside its netns.
 */
import { request } from 'node:https';
import { join } from 'node:path';
import { clientUrlOf, etcdCommand, peerUrlOf, type EtcdMemberSpec } from '@skiff/etcd';
import { REPO_ROOT } from '../paths.ts';
import type { ManagedProcess } from '../processes.ts';
import { etcdMemberTls, isApiServerReady, isEtcdHealthyWithPki, isHealthzOk, memberOf, type ComponentSpec, type HostRole } from '../components.ts';
import {
  apiServerFlags,
  controllerManagerFlags,
  dnsFlags,
  ingressFlags,
  kubeletFlags,
  kubeProxyFlags,
  localPathFlags,
  networkPolicyFlags,
  pkiFilesIn,
  schedulerFlags,
} from '../roles/component-flags.ts';
import { roleMarker, roleSpec, type RoleConfig } from '../roles/roles.ts';
import { tryCommand } from './run-command.ts';
import { LAB_DNS_ADDRESS, type LabLayout, type LabNode } from './lab-layout.ts';

/** Node-failure timings of a CI lab: NotReady 12 s after the last heartbeat, pods evicted 10 s later. */
export const FAST_FAILOVER = {
  nodeMonitorGracePeriodSeconds: 12,
  tolerationSeconds: 10,
  kubeletHeartbeatMs: 3000,
} as const;

const BALANCER_MAIN = join(REPO_ROOT, 'apps/skiff/src/lab/tcp-balancer-main.ts');

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
 * etcd members with mutual TLS from the lab's etcd CA (pki/etcd), clients and peers alike; they
 * also listen on loopback only: just the apiservers, which run on the host, talk to etcd.
 */
function etcdSpecs(layout: LabLayout): EtcdMemberSpec[] {
  const tls = etcdMemberTls(layout.pkiDir);
  const base = layout.etcd.map((m) => ({ name: m.name, dataDir: m.dataDir, clientPort: m.clientPort, peerPort: m.peerPort, host: '127.0.0.1', tls }));
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
      isHealthy: () => isEtcdHealthyWithPki(url, layout.pkiDir),
      createStartOptions: () => {
        const { bin, args } = etcdCommand(spec);
        return { ...p, command: bin, args, cwd: layout.dir };
      },
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

function roleFile(layout: LabLayout, name: string): string {
  return join(layout.dir, 'roles', `${name.replace('/', '.')}.json`);
}

/**
 * Control plane i: `skiff server` on the host with apiserver-i (on the lab bridge address), and
 * controller-manager-i and scheduler-i, which reach the apiservers through the balancer.
 */
export function serverRoles(layout: LabLayout, caCert: () => Promise<string>, fastFailover: boolean): HostRole[] {
  const pki = pkiFilesIn(layout.pkiDir);
  return layout.apiServerPorts.map((port, i) => {
    const name = `server-${i}`;
    const file = roleFile(layout, name);
    const p = proc(layout, name, roleMarker(file));
    const cmPort = layout.controllerManagerPorts[i]!;
    const schedulerPort = layout.schedulerPorts[i]!;
    const config: RoleConfig = {
      role: 'server',
      components: [
        {
          name: 'apiserver',
          flags: apiServerFlags({
            etcdServers: etcdEndpoints(layout),
            bindAddress: layout.hostIp,
            securePort: port,
            advertiseAddress: layout.hostIp,
            pki,
            kubeletClient: true,
            etcdTls: true,
            auditLogPath: join(layout.logDir, `apiserver-${i}.audit.log`),
            ...(fastFailover ? { tolerationSeconds: FAST_FAILOVER.tolerationSeconds } : {}),
          }),
        },
        {
          name: 'controller-manager',
          flags: controllerManagerFlags({
            kubeconfig: labKubeconfig(layout, `controller-manager-${i}`),
            metricsPort: cmPort,
            leaderElect: true,
            clusterCidr: layout.clusterCidr,
            // The CA pods trust (kube-root-ca.crt) and the key of legacy service-account token Secrets, as `up` passes them.
            signingPki: pki,
            ...(fastFailover ? { nodeMonitorGracePeriodSeconds: FAST_FAILOVER.nodeMonitorGracePeriodSeconds } : {}),
          }),
        },
        { name: 'scheduler', flags: schedulerFlags({ kubeconfig: labKubeconfig(layout, `scheduler-${i}`), metricsPort: schedulerPort, leaderElect: true }) },
      ],
    };
    const url = `https://${layout.hostIp}:${port}`;
    const members = [
      memberOf(p, `apiserver-${i}`, `${url}/readyz`, async () => isApiServerReady(url, await caCert())),
      memberOf(p, `controller-manager-${i}`, `http://127.0.0.1:${cmPort}/healthz`, () => isHealthzOk(cmPort)),
      memberOf(p, `scheduler-${i}`, `http://127.0.0.1:${schedulerPort}/healthz`, () => isHealthzOk(schedulerPort)),
    ];
    return { ...roleSpec(p, config, file, members, { restartOnFailure: true }), members };
  });
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

export type NodeAgentName = 'kubelet' | 'kube-proxy' | 'dns' | 'ingress' | 'network-policy';
export const NODE_AGENTS: NodeAgentName[] = ['kubelet', 'kube-proxy', 'dns', 'ingress', 'network-policy'];
/** Who gets a kubeconfig of its own on each node: the agents, and local-path (system:skiff-local-path). */
export const NODE_CREDENTIALS: Array<NodeAgentName | 'local-path'> = [...NODE_AGENTS, 'local-path'];
/** Their default loopback health/metrics ports (each node has its own loopback). */
const AGENT_HEALTHZ_PORT: Record<NodeAgentName, number> = { kubelet: 10248, 'kube-proxy': 10249, dns: 9153, ingress: 10254, 'network-policy': 10263 };

export function kubeletRootDir(node: LabNode): string {
  return join(node.dir, 'kubelet');
}

/** Each lab node's own local-path storage root: the nodes share the host's filesystem, so roots must differ. */
export function localPathStorageRoot(node: LabNode): string {
  return join(node.dir, 'storage');
}

/** A node's `skiff agent`, run inside the node's netns; its components' health is checked from the host where it can be. */
export function nodeAgentRole(layout: LabLayout, node: LabNode, fastFailover: boolean): HostRole {
  const name = `${node.name}/agent`;
  const file = roleFile(layout, name);
  const p = proc(layout, name, roleMarker(file));
  const pki = (f: string) => labPki(layout, f);
  const kubeconfig = (agent: NodeAgentName | 'local-path') => labKubeconfig(layout, `${node.name}/${agent}`);
  const config: RoleConfig = {
    role: 'agent',
    components: [
      {
        name: 'kubelet',
        flags: kubeletFlags({
          kubeconfig: kubeconfig('kubelet'),
          nodeName: node.name,
          dockerHost: node.dockerHost,
          nodeIp: node.ip,
          rootDir: kubeletRootDir(node),
          networkName: 'skiff0',
          clusterDns: LAB_DNS_ADDRESS,
          tlsCertFile: pki(`${node.name}.kubelet.crt`),
          tlsPrivateKeyFile: pki(`${node.name}.kubelet.key`),
          clientCaFile: pki('ca.crt'),
          nodeLabels: `skiff.dev/lab-node=${node.name}`,
          ...(fastFailover ? { heartbeatMs: FAST_FAILOVER.kubeletHeartbeatMs } : {}),
        }),
      },
      { name: 'kube-proxy', flags: kubeProxyFlags({ kubeconfig: kubeconfig('kube-proxy'), nodeName: node.name, clusterCidr: layout.clusterCidr }) },
      // Nodes have no route to the internet: only cluster names resolve (upstream is the host, best effort).
      { name: 'dns', flags: dnsFlags({ kubeconfig: kubeconfig('dns'), bind: LAB_DNS_ADDRESS, upstream: layout.hostIp }) },
      { name: 'local-path', flags: localPathFlags({ kubeconfig: kubeconfig('local-path'), nodeName: node.name, storageRoot: localPathStorageRoot(node) }) },
      // :80 and :443 on the node's own address (each node is its own netns).
      { name: 'ingress', flags: ingressFlags({ kubeconfig: kubeconfig('ingress'), nodeName: node.name }) },
      { name: 'network-policy', flags: networkPolicyFlags({ kubeconfig: kubeconfig('network-policy'), nodeName: node.name, clusterCidr: layout.clusterCidr }) },
    ],
  };
  const members = NODE_AGENTS.map((agent) =>
    memberOf(p, agent, `http://127.0.0.1:${AGENT_HEALTHZ_PORT[agent]}/healthz in ${node.netns}`, () => netnsHealthzOk(node, AGENT_HEALTHZ_PORT[agent])),
  );
  return {
    ...roleSpec(p, config, file, members, {
      restartOnFailure: true,
      wrap: (cmd) => ({ command: 'nsenter', args: [`--net=${node.netns}`, cmd.command, ...cmd.args] }),
      env: { ...process.env, SKIFF_LOG_LEVEL: process.env.SKIFF_LAB_LOG_LEVEL ?? 'info' },
    }),
    members,
  };
}

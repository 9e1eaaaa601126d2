import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findResourceByKind, type Node } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { describeExpiry, findCertificates, nearestExpiry } from './certs.ts';
import { getEtcdComponent, getHollowKubelet, getServerRole, type ComponentSpec } from './components.ts';
import { getAgentRole } from './node-components.ts';
import { resolveSkiffPaths, resolveSkiffPorts, type SkiffPaths } from './paths.ts';
import { findRunningPid, readPidFile } from './processes.ts';
import { ROLE_COMPONENTS } from './roles/roles.ts';

const NODES = findResourceByKind('v1', 'Node')!;
/** Beyond this many nodes status prints a summary line instead of one line per node. */
const MAX_NODE_LINES = 20;

export type ComponentStatus = { name: string; process: string; pid?: number; running: boolean; healthy: boolean; healthUrl: string };

/** A component's status; `process` names the process it runs in (its role, or itself). */
export async function getComponentStatus(component: ComponentSpec, process = component.name): Promise<ComponentStatus> {
  const pid = await findRunningPid(component);
  const running = pid !== undefined;
  const healthy = running && (await component.isHealthy());
  return { name: component.name, process, pid: pid ?? (await readPidFile(component.pidFile)), running, healthy, healthUrl: component.healthUrl };
}

/** A node's Ready condition as kubectl prints it: Ready, NotReady or Unknown. */
export function describeNodeReady(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

/** The cluster's nodes, read with the admin kubeconfig; undefined when the apiserver cannot answer. */
async function listNodes(paths: SkiffPaths): Promise<Node[] | undefined> {
  let client: RestClient | undefined;
  try {
    client = RestClient.fromKubeconfig(paths.kubeconfig, { timeoutMs: 5000 });
    return (await client.list<Node>(NODES)).items;
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

/**
 * `skiff status`: per component its process (etcd, the server or agent role, the hollow kubelet), pid,
 * running, healthy, then the nodes; exit 1 when a required component is down (the hollow kubelet and
 * the agent's components are optional: not every `up` starts them).
 */
export async function runStatus(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(`skiff status: unexpected arguments: ${args.join(' ')}`);
    return 2;
  }
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();
  const caCert = () => readFile(join(paths.pkiDir, 'ca.crt'), 'utf8').catch(() => '');
  const etcd = getEtcdComponent(paths, ports);
  const server = getServerRole(paths, ports, { caCert });
  const agent = getAgentRole(paths, ports);
  const statuses = await Promise.all([
    getComponentStatus(etcd),
    ...server.members.map((m) => getComponentStatus(m, server.name)),
    getComponentStatus(getHollowKubelet(paths, ports)),
    ...agent.members.map((m) => getComponentStatus(m, agent.name)),
  ]);
  console.log(`SKIFF_HOME ${paths.home}`);
  console.log(`${'COMPONENT'.padEnd(20)}${'PROCESS'.padEnd(16)}${'PID'.padEnd(9)}${'RUNNING'.padEnd(9)}${'HEALTHY'.padEnd(9)}CHECKED`);
  let ok = true;
  for (const s of statuses) {
    // The node is optional (`up --no-node`): every component of the agent role, whatever it runs.
    const optional = s.name === 'kubelet-hollow' || (ROLE_COMPONENTS.agent as readonly string[]).includes(s.name);
    if (optional && !s.running && s.pid === undefined) {
      const how = s.name === 'kubelet-hollow' ? './skiff up --hollow-nodes N' : 'sudo ./skiff up (without --no-node)';
      console.log(`${s.name.padEnd(20)}${s.process.padEnd(16)}${'-'.padEnd(9)}${'no'.padEnd(9)}${'-'.padEnd(9)}not started (${how})`);
      continue;
    }
    if (!(s.running && s.healthy)) ok = false;
    const pid = s.pid === undefined ? '-' : s.running ? String(s.pid) : `${s.pid}?`;
    console.log(`${s.name.padEnd(20)}${s.process.padEnd(16)}${pid.padEnd(9)}${(s.running ? 'yes' : 'no').padEnd(9)}${(s.healthy ? 'yes' : 'no').padEnd(9)}${s.healthUrl}`);
  }

  const nearest = nearestExpiry(await findCertificates(paths));
  console.log(`\nCERTIFICATES: ${nearest ? `nearest expiry ${nearest.source} on ${describeExpiry(nearest)}; ./skiff certs check lists them` : 'none'}`);

  const apiHealthy = statuses.find((s) => s.name === 'apiserver')?.healthy;
  const nodes = apiHealthy ? await listNodes(paths) : undefined;
  console.log('');
  if (!nodes) {
    console.log('NODES: unknown (apiserver not reachable)');
  } else {
    const ready = nodes.filter((n) => describeNodeReady(n).startsWith('Ready')).length;
    console.log(`NODES: ${nodes.length} (${ready} Ready)`);
    if (nodes.length > 0 && nodes.length <= MAX_NODE_LINES) {
      console.log(`${'NAME'.padEnd(32)}STATUS`);
      for (const node of nodes) console.log(`${(node.metadata?.name ?? '').padEnd(32)}${describeNodeReady(node)}`);
    }
  }
  return ok ? 0 : 1;
}

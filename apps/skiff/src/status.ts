import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findResourceByKind, type Node } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { describeExpiry, findCertificates, nearestExpiry } from './certs.ts';
import { getEtcdComponent, getHollowKubelet, getServerRole, type ComponentSpec } from './components.ts';
import { getAgentRole } from './node-components.ts';
import { resolveSkiffPaths, resolveSkiffPorts, type SkiffPaths, type SkiffPorts } from './paths.ts';
import { findRunningPid, readPidFile } from './processes.ts';
import { ROLE_COMPONENTS } from './roles/roles.ts';
import { parseFlags, wantsJson } from './usage.ts';

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

export type StatusReport = {
  home: string;
  components: Array<ComponentStatus & { optional: boolean; started: boolean }>;
  nearestCertificateExpiry?: { source: string; notAfter: string; description: string };
  /** undefined when the apiserver cannot answer. */
  nodes?: Array<{ name: string; status: string }>;
  /** Whether every required component runs and is healthy (status's exit code). */
  ok: boolean;
};

/** What `skiff status` reports, gathered once for the table and for -o json. */
export async function gatherStatus(paths: SkiffPaths, ports: SkiffPorts): Promise<StatusReport> {
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
  const components = statuses.map((s) => {
    // The node is optional (`up --no-node`): every component of the agent role, whatever it runs.
    const optional = s.name === 'kubelet-hollow' || (ROLE_COMPONENTS.agent as readonly string[]).includes(s.name);
    return { ...s, optional, started: s.running || s.pid !== undefined };
  });
  const nearest = nearestExpiry(await findCertificates(paths));
  const apiHealthy = statuses.find((s) => s.name === 'apiserver')?.healthy;
  const nodes = apiHealthy ? await listNodes(paths) : undefined;
  return {
    home: paths.home,
    components,
    nearestCertificateExpiry: nearest ? { source: nearest.source, notAfter: nearest.notAfter.toISOString(), description: describeExpiry(nearest) } : undefined,
    nodes: nodes?.map((n) => ({ name: n.metadata?.name ?? '', status: describeNodeReady(n) })),
    ok: components.every((c) => (c.optional && !c.started) || (c.running && c.healthy)),
  };
}

/**
 * `skiff status [-o json]`: per component its process (etcd, the server or agent role, the hollow
 * kubelet), pid, running, healthy, then the nodes; exit 1 when a required component is down (the
 * hollow kubelet and the agent's components are optional: not every `up` starts them).
 */
export async function runStatus(args: string[]): Promise<number> {
  const json = wantsJson(parseFlags(args, { values: ['output'], aliases: { '-o': 'output' } }).flags);
  const paths = resolveSkiffPaths();
  const report = await gatherStatus(paths, resolveSkiffPorts());
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  }
  console.log(`SKIFF_HOME ${report.home}`);
  console.log(`${'COMPONENT'.padEnd(20)}${'PROCESS'.padEnd(16)}${'PID'.padEnd(9)}${'RUNNING'.padEnd(9)}${'HEALTHY'.padEnd(9)}CHECKED`);
  for (const s of report.components) {
    if (s.optional && !s.started) {
      const how = s.name === 'kubelet-hollow' ? './skiff up --hollow-nodes N' : 'sudo ./skiff up (without --no-node)';
      console.log(`${s.name.padEnd(20)}${s.process.padEnd(16)}${'-'.padEnd(9)}${'no'.padEnd(9)}${'-'.padEnd(9)}not started (${how})`);
      continue;
    }
    const pid = s.pid === undefined ? '-' : s.running ? String(s.pid) : `${s.pid}?`;
    console.log(
      `${s.name.padEnd(20)}${s.process.padEnd(16)}${pid.padEnd(9)}${(s.running ? 'yes' : 'no').padEnd(9)}${(s.healthy ? 'yes' : 'no').padEnd(9)}${s.healthUrl}`,
    );
  }

  const nearest = report.nearestCertificateExpiry;
  console.log(`\nCERTIFICATES: ${nearest ? `nearest expiry ${nearest.source} on ${nearest.description}; ./skiff certs check lists them` : 'none'}`);

  console.log('');
  if (!report.nodes) {
    console.log('NODES: unknown (apiserver not reachable)');
  } else {
    const ready = report.nodes.filter((n) => n.status.startsWith('Ready')).length;
    console.log(`NODES: ${report.nodes.length} (${ready} Ready)`);
    if (report.nodes.length > 0 && report.nodes.length <= MAX_NODE_LINES) {
      console.log(`${'NAME'.padEnd(32)}STATUS`);
      for (const node of report.nodes) console.log(`${node.name.padEnd(32)}${node.status}`);
    }
  }
  return report.ok ? 0 : 1;
}

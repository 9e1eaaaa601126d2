import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getApiServerComponent, getEtcdComponent, type ComponentSpec } from './components.ts';
import { resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';
import { findRunningPid, readPidFile } from './processes.ts';

export type ComponentStatus = { name: string; pid?: number; running: boolean; healthy: boolean; healthUrl: string };

export async function getComponentStatus(component: ComponentSpec): Promise<ComponentStatus> {
  const pid = await findRunningPid(component);
  const running = pid !== undefined;
  const healthy = running && (await component.isHealthy());
  return { name: component.name, pid: pid ?? (await readPidFile(component.pidFile)), running, healthy, healthUrl: component.healthUrl };
}

/** `skiff status`: per component pid, running, healthy; exit 1 when anything is down. */
export async function runStatus(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(`skiff status: unexpected arguments: ${args.join(' ')}`);
    return 2;
  }
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();
  const caCert = () => readFile(join(paths.pkiDir, 'ca.crt'), 'utf8').catch(() => '');
  const components = [getEtcdComponent(paths, ports), getApiServerComponent(paths, ports, { caCert })];
  const statuses = await Promise.all(components.map(getComponentStatus));
  console.log(`SKIFF_HOME ${paths.home}`);
  console.log(`${'COMPONENT'.padEnd(12)}${'PID'.padEnd(9)}${'RUNNING'.padEnd(9)}${'HEALTHY'.padEnd(9)}CHECKED`);
  for (const s of statuses) {
    const pid = s.pid === undefined ? '-' : s.running ? String(s.pid) : `${s.pid}?`;
    console.log(`${s.name.padEnd(12)}${pid.padEnd(9)}${(s.running ? 'yes' : 'no').padEnd(9)}${(s.healthy ? 'yes' : 'no').padEnd(9)}${s.healthUrl}`);
  }
  return statuses.every((s) => s.running && s.healthy) ? 0 : 1;
}

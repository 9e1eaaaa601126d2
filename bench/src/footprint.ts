/**
 * `skiff bench footprint`: memory and idle CPU of a single-host cluster started by the launcher,
 * with its components as roles (etcd, `skiff server`, `skiff agent`: three processes) beside the
 * same cluster with one process per component, measured in the same run.
 *
 * 1. `./skiff up` (unless a cluster already runs in $SKIFF_HOME), the example app
 *    (deploy/examples/web.yaml) applied and Ready, settle, measure: RSS and PSS per process, and
 *    the CPU all of them use over `--cpu-seconds` (default 60);
 * 2. the same cluster one process per component: the server and agent stop, and each of their
 *    components starts alone (`skiff run NAME`) with the very flags of the role files; settle, measure;
 * 3. back to roles (`./skiff up`), so the machine is left as found.
 * `--settle-seconds=N` (default 20) is the wait before each measurement.
 *
 * RSS is VmRSS summed over a process and its descendants; PSS (smaps_rollup) counts shared pages
 * once between processes, so it is the fairer sum of several Node.js processes. The host's Docker
 * engine and the pods' containers are not counted: they are the machine's container runtime and
 * the workload (k3s counts containerd in its server figure; the comparison line says so).
 *
 * Baseline: k3s' published resource profile (https://docs.k3s.io/reference/resource-profiling,
 * K3s v1.26.5 on an Intel 8375C): server with a workload 1606 MB with embedded etcd and 6% of a
 * core, agent 275 MB and 3% of a core.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { findResource, type Deployment } from '@skiff/api';
import { RestClient } from '@skiff/client';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const SKIFF_MAIN = join(REPO_ROOT, 'apps/skiff/src/main.ts');
const EXAMPLE = join(REPO_ROOT, 'deploy/examples/web.yaml');
const AGENT_PARTS = ['agent', 'kubelet', 'kube-proxy', 'dns', 'local-path'];
const K3S_SERVER_WITH_WORKLOAD_MB = 1606;
const K3S_AGENT_MB = 275;
const K3S_SERVER_CPU_PCT = 6;
const deployments = findResource('apps', 'v1', 'deployments')!;

type RoleConfig = { role: 'server' | 'agent'; components: Array<{ name: string; flags: string[] }> };
// bench is referenced by the launcher's project, not the reverse: its roles module is loaded by path.
type RolesModule = { componentCommand(name: string, flags: string[]): { command: string; args: string[] } };
type ProcessesModule = { waitForExit(pid: number, timeoutMs: number): Promise<boolean> };
const launcher = (path: string) => import(pathToFileURL(join(REPO_ROOT, 'apps/skiff/src', path)).href);
const roles = (await launcher('roles/roles.ts')) as RolesModule;
const processes = (await launcher('processes.ts')) as ProcessesModule;

function skiffHome(): string {
  if (process.env.SKIFF_HOME) return resolve(process.env.SKIFF_HOME);
  return process.getuid?.() === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
}

/** pid → parent pid for every process (from /proc/<pid>/stat; the name may contain spaces or ')'). */
function parentMap(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(Number(entry), ppid);
    } catch {
      // Exited meanwhile.
    }
  }
  return map;
}

/** A `Field:  N kB` line of /proc/<pid>/<file> (status: VmRSS; smaps_rollup: Pss), 0 when gone. */
function procKb(pid: number, file: 'status' | 'smaps_rollup', field: 'VmRSS' | 'Pss'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS of `pid` and all its descendants, in kB. */
export function treeRssKb(pid: number, parents: Map<number, number> = parentMap()): number {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) children.set(parent, [...(children.get(parent) ?? []), child]);
  let total = 0;
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    total += procKb(p, 'status', 'VmRSS');
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** user + system CPU time of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

type Sample = { name: string; pid: number; rssMb: number; pssMb: number };

/** Every live process with a pid file in `runDir` (dockerd's, if any, left out). */
function measure(runDir: string): Sample[] {
  const parents = parentMap();
  const samples: Sample[] = [];
  for (const file of existsSync(runDir)
    ? readdirSync(runDir)
        .filter((f) => f.endsWith('.pid'))
        .sort()
    : []) {
    const name = file.slice(0, -'.pid'.length);
    const pid = Number(readFileSync(join(runDir, file), 'utf8').trim());
    if (name === 'dockerd' || !Number.isInteger(pid) || !parents.has(pid)) continue;
    samples.push({ name, pid, rssMb: treeRssKb(pid, parents) / 1024, pssMb: procKb(pid, 'smaps_rollup', 'Pss') / 1024 });
  }
  return samples;
}

const sum = (samples: Sample[], key: 'rssMb' | 'pssMb', pick: (s: Sample) => boolean = () => true) => samples.filter(pick).reduce((t, s) => t + s[key], 0);
const isAgent = (s: Sample) => AGENT_PARTS.includes(s.name);

/** CPU of these processes over `seconds`, as a percentage of one core. */
async function cpuPercent(pids: number[], seconds: number): Promise<number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const before = pids.map(cpuTicks);
  await sleep(seconds * 1000);
  const used = pids.map(cpuTicks).reduce((t, after, i) => t + Math.max(0, after - before[i]!), 0);
  return (used / ticksPerSecond / seconds) * 100;
}

function print(title: string, samples: Sample[]): void {
  console.log(`\n${title}`);
  console.log(`  ${'process'.padEnd(20)} ${'pid'.padEnd(8)} ${'RSS MB'.padStart(8)} ${'PSS MB'.padStart(8)}`);
  for (const s of samples) console.log(`  ${s.name.padEnd(20)} ${String(s.pid).padEnd(8)} ${s.rssMb.toFixed(1).padStart(8)} ${s.pssMb.toFixed(1).padStart(8)}`);
  console.log(`  ${'total'.padEnd(29)} ${sum(samples, 'rssMb').toFixed(1).padStart(8)} ${sum(samples, 'pssMb').toFixed(1).padStart(8)}`);
  console.log(`  ${'agent part'.padEnd(29)} ${sum(samples, 'rssMb', isAgent).toFixed(1).padStart(8)} ${sum(samples, 'pssMb', isAgent).toFixed(1).padStart(8)}`);
}

function skiff(args: string[], home: string): void {
  const r = spawnSync(process.execPath, [SKIFF_MAIN, ...args], { stdio: 'inherit', env: { ...process.env, SKIFF_HOME: home, KUBECONFIG: '' } });
  if (r.status !== 0) throw new Error(`./skiff ${args.join(' ')} failed (exit ${r.status})`);
}

/** SIGTERM, SIGKILL after 10 s; the launcher's waitForExit does not mistake an unreaped zombie for alive. */
async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await processes.waitForExit(pid, 10_000))) {
    process.kill(pid, 'SIGKILL');
    await processes.waitForExit(pid, 5_000);
  }
}

/** Every Deployment of the example's namespace (default) has all its replicas Ready. */
async function waitForExampleReady(home: string, timeoutMs: number): Promise<void> {
  const client = RestClient.fromKubeconfig(join(home, 'kubeconfig'));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = await client.list<Deployment>(deployments, 'default').catch(() => ({ items: [] as Deployment[] }));
      const ready = list.items.length > 0 && list.items.every((d) => (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1));
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`the example app did not become Ready within ${timeoutMs / 1000} s`);
      await sleep(2000);
    }
  } finally {
    client.close();
  }
}

/**
 * The same cluster with one process per component: the roles stop, and each component of their files
 * starts alone with the same flags (pid files and logs under `dir`). Returns the pids, to stop them.
 */
async function startOneProcessPerComponent(home: string, dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const role of ['agent', 'server'] as const) {
    const pid = Number(readFileSync(join(home, 'run', `${role}.pid`), 'utf8').trim());
    await stopPid(pid);
  }
  mkdirSync(join(dir, 'run'), { recursive: true });
  for (const role of ['server', 'agent'] as const) {
    const config = JSON.parse(readFileSync(join(home, 'roles', `${role}.json`), 'utf8')) as RoleConfig;
    for (const c of config.components) {
      const { command, args } = roles.componentCommand(c.name, c.flags);
      const log = openSync(join(dir, `${c.name}.log`), 'a');
      const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', log, log], env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' } });
      closeSync(log);
      child.unref();
      writeFileSync(join(dir, 'run', `${c.name}.pid`), `${child.pid}\n`);
      pids.push(child.pid!);
    }
  }
  copyFileSync(join(home, 'run', 'etcd.pid'), join(dir, 'run', 'etcd.pid'));
  return pids;
}

function report(label: string, samples: Sample[], cpu: number): void {
  console.log(
    `RESULT footprint ${label}_total_rss_mb=${Math.round(sum(samples, 'rssMb'))} ${label}_total_pss_mb=${Math.round(sum(samples, 'pssMb'))} ` +
      `${label}_agent_rss_mb=${Math.round(sum(samples, 'rssMb', isAgent))} ${label}_agent_pss_mb=${Math.round(sum(samples, 'pssMb', isAgent))} ${label}_idle_cpu_pct=${cpu.toFixed(1)}`,
  );
}

export async function runFootprintBench(args: string[]): Promise<void> {
  const settleMs = Number(args.find((a) => a.startsWith('--settle-seconds='))?.split('=')[1] ?? 20) * 1000;
  const cpuSeconds = Number(args.find((a) => a.startsWith('--cpu-seconds='))?.split('=')[1] ?? 60);
  const home = skiffHome();
  const runDir = join(home, 'run');
  const running = measure(runDir).some((s) => s.name === 'server');
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-footprint-'));
  let perComponent: number[] = [];
  try {
    if (!running) {
      console.log(`footprint: starting a single-host cluster in ${home} (./skiff up)`);
      skiff(['up'], home);
    } else {
      console.log(`footprint: measuring the cluster already running in ${home}`);
    }
    skiff(['kubectl', 'apply', '-f', EXAMPLE], home);
    await waitForExampleReady(home, 180_000);
    await sleep(settleMs);
    const asRoles = measure(runDir);
    print('roles (etcd, server, agent), the example app Ready', asRoles);
    console.log(`footprint: idle CPU over ${cpuSeconds} s...`);
    const rolesCpu = await cpuPercent(
      asRoles.map((s) => s.pid),
      cpuSeconds,
    );

    console.log("\nfootprint: the same cluster with one process per component (skiff run NAME, the roles' flags)");
    perComponent = await startOneProcessPerComponent(home, scratch);
    await waitForExampleReady(home, 180_000);
    await sleep(settleMs);
    const asComponents = measure(join(scratch, 'run'));
    print('one process per component, the example app Ready', asComponents);
    const componentsCpu = await cpuPercent(
      asComponents.map((s) => s.pid),
      cpuSeconds,
    );

    console.log(`\nidle CPU over ${cpuSeconds} s: roles ${rolesCpu.toFixed(1)}% of a core, one process per component ${componentsCpu.toFixed(1)}%`);
    console.log(
      `baseline k3s (docs.k3s.io/reference/resource-profiling, v1.26.5, Intel 8375C): server with a workload ${K3S_SERVER_WITH_WORKLOAD_MB} MB (incl. containerd), ${K3S_SERVER_CPU_PCT}% of a core; agent ${K3S_AGENT_MB} MB`,
    );
    const total = sum(asRoles, 'rssMb');
    const agent = sum(asRoles, 'rssMb', isAgent);
    console.log(
      `roles vs one process per component: total ${total.toFixed(0)} vs ${sum(asComponents, 'rssMb').toFixed(0)} MB RSS, agent ${agent.toFixed(0)} vs ${sum(asComponents, 'rssMb', isAgent).toFixed(0)} MB`,
    );
    console.log(
      `skiff/k3s: total ${(total / K3S_SERVER_WITH_WORKLOAD_MB).toFixed(2)} (goal ≤ 0.25: ≤ 400 MB), agent ${(agent / K3S_AGENT_MB).toFixed(2)} (goal ≤ 0.5: ≤ 140 MB)`,
    );
    report('roles', asRoles, rolesCpu);
    report('per_component', asComponents, componentsCpu);
  } finally {
    // Whatever happened, leave the machine as we found it: roles back, our workload gone, our cluster down if we started it.
    for (const pid of perComponent) await stopPid(pid);
    if (perComponent.length > 0) skiff(['up'], home);
    spawnSync(process.execPath, [SKIFF_MAIN, 'kubectl', 'delete', '-f', EXAMPLE, '--ignore-not-found'], {
      stdio: 'ignore',
      env: { ...process.env, SKIFF_HOME: home, KUBECONFIG: '' },
    });
    if (!running) skiff(['down'], home);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * `skiff bench footprint`: resident memory of a single-host cluster started by the launcher.
 *
 * 1. idle: `./skiff up` (unless a cluster already runs in $SKIFF_HOME), settle, measure;
 * 2. with the example app (deploy/examples/web.yaml) applied and Ready, settle, measure;
 * 3. the node's agents (kubelet, kube-proxy, dns) in state 2 are the "agent" figure.
 * `--idle-only` stops after step 1; `--settle-seconds=N` (default 20) is the wait before each measurement.
 *
 * A component's RSS is VmRSS from /proc/<pid>/status summed over the process and its
 * descendants, for every `run/<component>.pid` the launcher wrote (etcd included). The host's
 * Docker engine and the pods' own containers are shown but not counted: they are the
 * workload and the machine's container runtime, which k3s counts in its server figure
 * (containerd) — the comparison line says so.
 *
 * Baseline: k3s' published resource profile (https://docs.k3s.io/reference/resource-profiling,
 * K3s v1.26.5 on an Intel 8375C): server with a workload 1606 MB with embedded etcd
 * (1596 MB with SQLite), agent 275 MB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findResource, type Deployment } from '@skiff/api';
import { RestClient } from '@skiff/client';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const SKIFF_MAIN = join(REPO_ROOT, 'apps/skiff/src/main.ts');
const EXAMPLE = join(REPO_ROOT, 'deploy/examples/web.yaml');
const AGENTS = ['kubelet', 'kube-proxy', 'dns'];
/** Not Skiff's own processes: the container engine is the machine's (k3s bundles containerd; we reuse Docker). */
const NOT_COUNTED = new Set(['dockerd']);
const K3S_SERVER_WITH_WORKLOAD_MB = 1606;
const K3S_AGENT_MB = 275;
const deployments = findResource('apps', 'v1', 'deployments')!;

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

function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
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
    total += rssKb(p);
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

type Sample = { component: string; pid: number; rssMb: number; counted: boolean };

function measure(home: string): Sample[] {
  const runDir = join(home, 'run');
  const parents = parentMap();
  const samples: Sample[] = [];
  for (const file of existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.pid')).sort() : []) {
    const component = file.slice(0, -'.pid'.length);
    const pid = Number(readFileSync(join(runDir, file), 'utf8').trim());
    if (!Number.isInteger(pid) || !parents.has(pid)) continue;
    samples.push({ component, pid, rssMb: treeRssKb(pid, parents) / 1024, counted: !NOT_COUNTED.has(component) });
  }
  return samples;
}

function total(samples: Sample[], pick: (s: Sample) => boolean = (s) => s.counted): number {
  return samples.filter(pick).reduce((sum, s) => sum + s.rssMb, 0);
}

function print(title: string, samples: Sample[]): void {
  console.log(`\n${title}`);
  for (const s of samples) console.log(`  ${s.component.padEnd(20)} pid ${String(s.pid).padEnd(8)} ${s.rssMb.toFixed(1).padStart(8)} MB${s.counted ? '' : '  (not counted)'}`);
  console.log(`  ${'total'.padEnd(29)} ${total(samples).toFixed(1).padStart(8)} MB`);
}

function skiff(args: string[], home: string): void {
  const r = spawnSync(process.execPath, [SKIFF_MAIN, ...args], { stdio: 'inherit', env: { ...process.env, SKIFF_HOME: home, KUBECONFIG: '' } });
  if (r.status !== 0) throw new Error(`./skiff ${args.join(' ')} failed (exit ${r.status})`);
}

/** Every Deployment of the example's namespace (default) has all its replicas Ready. */
async function waitForExampleReady(home: string, timeoutMs: number): Promise<void> {
  const client = RestClient.fromKubeconfig(join(home, 'kubeconfig'));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = await client.list<Deployment>(deployments, 'default');
      const ready = list.items.length > 0 && list.items.every((d) => (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1));
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`the example app did not become Ready within ${timeoutMs / 1000} s`);
      await sleep(2000);
    }
  } finally {
    client.close();
  }
}

export async function runFootprintBench(args: string[]): Promise<void> {
  const settleMs = Number(args.find((a) => a.startsWith('--settle-seconds='))?.split('=')[1] ?? 20) * 1000;
  const home = skiffHome();
  const running = measure(home).some((s) => s.component === 'apiserver');
  try {
    if (!running) {
      console.log(`footprint: starting a single-host cluster in ${home} (./skiff up)`);
      skiff(['up'], home);
    } else {
      console.log(`footprint: measuring the cluster already running in ${home}`);
    }
    await sleep(settleMs);
    const idle = measure(home);
    print('idle cluster', idle);
    if (args.includes('--idle-only')) {
      // For a control plane without a Docker node (e.g. `up --hollow-nodes`): no workload can run.
      console.log(`RESULT footprint idle_total_rss_mb=${Math.round(total(idle))}`);
      return;
    }

    skiff(['kubectl', 'apply', '-f', EXAMPLE], home);
    await waitForExampleReady(home, 180_000);
    await sleep(settleMs);
    const busy = measure(home);
    print('with the example app (deploy/examples/web.yaml) Ready', busy);

    const agent = total(busy, (s) => AGENTS.includes(s.component));
    const server = total(busy);
    console.log(`\nnode agents (${AGENTS.join(', ')}): ${agent.toFixed(1)} MB`);
    console.log(`baseline k3s (docs.k3s.io/reference/resource-profiling, v1.26.5): server with a workload ${K3S_SERVER_WITH_WORKLOAD_MB} MB (incl. containerd), agent ${K3S_AGENT_MB} MB`);
    console.log(`skiff/k3s: server ${(server / K3S_SERVER_WITH_WORKLOAD_MB).toFixed(2)} (goal ≤ 0.25), agent ${(agent / K3S_AGENT_MB).toFixed(2)} (goal ≤ 0.5)`);
    if (!busy.some((s) => AGENTS.includes(s.component))) console.log('note: no kubelet/kube-proxy/dns pid files: agent figure is 0 (is the node part of `up` running?)');
    console.log(`RESULT footprint total_rss_mb=${Math.round(server)} agent_rss_mb=${Math.round(agent)}`);
  } finally {
    // Whatever happened, leave the machine as we found it: our workload gone, our cluster down.
    spawnSync(process.execPath, [SKIFF_MAIN, 'kubectl', 'delete', '-f', EXAMPLE, '--ignore-not-found'], { stdio: 'ignore', env: { ...process.env, SKIFF_HOME: home, KUBECONFIG: '' } });
    if (!running) skiff(['down'], home);
  }
}

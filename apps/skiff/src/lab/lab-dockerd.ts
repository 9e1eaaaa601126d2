/**
 * Each lab node's own Docker engine, started inside the node's netns with `nsenter --net` (not
 * `ip netns exec`, which remounts /sys and hides the cgroup hierarchy dockerd needs). Its data, exec
 * root, sockets and containerd are its own; only the lab's pid files name it, so the host's dockerd is
 * never touched.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import type { LabLayout, LabNode } from './lab-layout.ts';
import { findRunningPid, isOurProcess, readPidFile, startDetached, stopProcess, type ManagedProcess } from '../processes.ts';

const DOCKERD_START_TIMEOUT_MS = 60_000;
/** dockerd stops its containers on SIGTERM (10 s each by default, in parallel): give it time. */
const DOCKERD_STOP_TIMEOUT_MS = 30_000;

export function dockerdProcess(layout: LabLayout, node: LabNode): ManagedProcess {
  return {
    name: `${node.name}/dockerd`,
    pidFile: join(layout.runDir, `${node.name}.dockerd.pid`),
    logFile: join(layout.logDir, `${node.name}.dockerd.log`),
    marker: `--exec-root=${node.dockerExecRoot}`,
  };
}

export function nodeDocker(node: LabNode): Docker {
  return new Docker({ socketPath: node.dockerSocket });
}

async function isEngineUp(node: LabNode): Promise<boolean> {
  try {
    await nodeDocker(node).ping();
    return true;
  } catch {
    return false;
  }
}

/** Starts the node's dockerd unless it runs; returns once its API answers. */
export async function ensureNodeDockerd(layout: LabLayout, node: LabNode, progress: (m: string) => void): Promise<void> {
  const proc = dockerdProcess(layout, node);
  // A dockerd that just stopped may still be finishing (its containerd, its pid file): a start that
  // fails at once is tried again, twice, before it counts as failed.
  for (let attempt = 1; ; attempt++) {
    const logOffset = await stat(proc.logFile).then(
      (st) => st.size,
      () => 0,
    );
    try {
      await startAndWait(layout, node, proc, progress);
      return;
    } catch (err) {
      if (attempt >= 3) {
        const text = await readFile(proc.logFile, 'utf8').catch(() => '');
        const tail = text.slice(logOffset).trimEnd().split('\n').slice(-15).join('\n');
        throw new Error(`${node.name}: dockerd did not come up (${(err as Error).message}); see ${proc.logFile}${tail ? `:\n${tail}` : ''}`);
      }
      progress(`${node.name}: dockerd did not come up (${(err as Error).message}); trying again`);
      await stopProcess(proc, 5_000);
      await sleep(2000);
    }
  }
}

async function startAndWait(layout: LabLayout, node: LabNode, proc: ManagedProcess, progress: (m: string) => void): Promise<void> {
  let pid = await findRunningPid(proc);
  if (pid === undefined) {
    await mkdir(node.dockerDataRoot, { recursive: true });
    await mkdir(node.dockerExecRoot, { recursive: true });
    // A pid file left by a dockerd that was killed makes the next one refuse to start.
    const stale = await readPidFile(node.dockerPidFile);
    if (stale === undefined || !isOurProcess(stale, `--exec-root=${node.dockerExecRoot}`)) await rm(node.dockerPidFile, { force: true });
    // Our own (empty) daemon.json: the host's /etc/docker/daemon.json is for the host's engine.
    const configFile = join(node.dir, 'daemon.json');
    await writeFile(configFile, '{}\n');
    pid = await startDetached({
      ...proc,
      command: 'nsenter',
      args: [
        `--net=${node.netns}`,
        'dockerd',
        `--config-file=${configFile}`,
        `--data-root=${node.dockerDataRoot}`,
        `--exec-root=${node.dockerExecRoot}`,
        `--pidfile=${node.dockerPidFile}`,
        `-H=unix://${node.dockerSocket}`,
        `--insecure-registry=${layout.hostIp}:${layout.registryPort}`,
        // Its containers' cgroups apart from the host engine's /docker/<id>.
        `--cgroup-parent=/skiff-lab-${node.name}`,
        '--log-level=warn',
      ],
    });
    progress(`${node.name}: dockerd started (pid ${pid})`);
  }
  const deadline = Date.now() + DOCKERD_START_TIMEOUT_MS;
  while (!(await isEngineUp(node))) {
    if ((await findRunningPid(proc)) === undefined) throw new Error('it exited');
    if (Date.now() > deadline) throw new Error(`no answer within ${DOCKERD_START_TIMEOUT_MS / 1000} s`);
    await sleep(250);
  }
}

export async function stopNodeDockerd(layout: LabLayout, node: LabNode): Promise<void> {
  await stopProcess(dockerdProcess(layout, node), DOCKERD_STOP_TIMEOUT_MS);
}

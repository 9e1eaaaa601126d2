/**
 * Exited-container and image garbage collection (kubelet's containerGC / imageGCManager).
 * Per container name of a pod the newest instance and the one before it are never removed
 * (status and `logs --previous` read them); beyond that, at most maxPerPod dead instances
 * stay, and node-wide at most maxTotal, oldest removed first. Image GC (opt-in) removes
 * images no container uses while the disk holding Docker's data is over 85 % full.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from '@skiff/log';
import { LABEL_POD_UID, type ContainerStatus } from '../container-runtime.ts';
import type { DockerRuntime } from '../docker-runtime.ts';
import { sortNewestFirst } from '../pod-sync/container-status.ts';

export interface ContainerGcPolicy {
  maxPerPod: number;
  maxTotal: number;
}

/** Pure: the ids to remove from a node's containers under the policy. */
export function selectDeadContainers(containers: readonly ContainerStatus[], policy: ContainerGcPolicy): string[] {
  const groups = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    const key = `${c.labels[LABEL_POD_UID] ?? ''}/${c.name}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const remove = new Set<string>();
  const evictable: ContainerStatus[] = [];
  for (const group of groups.values()) {
    const sorted = sortNewestFirst(group);
    // The newest two instances are protected: the current one and its lastState.
    const dead = sorted.slice(2).filter((c) => c.state === 'CONTAINER_EXITED');
    const deadProtected = sorted.slice(0, 2).filter((c) => c.state === 'CONTAINER_EXITED').length;
    const keep = Math.max(0, policy.maxPerPod - deadProtected);
    dead.slice(keep).forEach((c) => remove.add(c.id));
    evictable.push(...dead.slice(0, keep));
  }
  const deadTotal = containers.filter((c) => c.state === 'CONTAINER_EXITED' && !remove.has(c.id)).length;
  let excess = deadTotal - policy.maxTotal;
  for (const c of [...evictable].sort((a, b) => a.createdAt - b.createdAt)) {
    if (excess <= 0) break;
    remove.add(c.id);
    excess--;
  }
  return [...remove];
}

export async function collectContainers(runtime: DockerRuntime, policy: ContainerGcPolicy, logger: Logger): Promise<number> {
  const list = await runtime.listContainers();
  const statuses = (await Promise.all(list.map((c) => runtime.containerStatus(c.id)))).filter((c): c is ContainerStatus => c !== undefined);
  const ids = selectDeadContainers(statuses, policy);
  for (const id of ids) await runtime.removeContainer(id);
  // Dead sandboxes replaced by a newer one of the same pod, once none of their containers is left.
  const sandboxes = sortNewestFirst(await runtime.listPodSandboxes());
  const seen = new Set<string>();
  for (const s of sandboxes) {
    const uid = s.metadata.uid;
    if (!seen.has(uid)) {
      seen.add(uid);
      continue;
    }
    if (s.state === 'SANDBOX_NOTREADY' && (await runtime.listContainers({ podSandboxId: s.id })).length === 0) await runtime.removeContainer(s.id);
  }
  if (ids.length > 0) logger.debug({ removed: ids.length }, 'garbage-collected dead containers');
  return ids.length;
}

const HIGH_THRESHOLD = 0.85;

/** Removes images no container (running or not) uses, except the pause image, while disk use is over 85 %. */
export async function collectImages(runtime: DockerRuntime, pauseImage: string, logger: Logger): Promise<number> {
  const info = (await runtime.docker.info()) as { DockerRootDir?: string };
  let usage: number;
  try {
    const fs = await statfs(info.DockerRootDir ?? '/var/lib/docker');
    usage = 1 - fs.bavail / fs.blocks;
  } catch {
    return 0;
  }
  if (usage <= HIGH_THRESHOLD) return 0;
  const used = new Set((await runtime.docker.listContainers({ all: true })).map((c) => c.ImageID));
  let removed = 0;
  for (const image of await runtime.docker.listImages()) {
    if (used.has(image.Id) || (image.RepoTags ?? []).includes(pauseImage)) continue;
    try {
      await runtime.docker.getImage(image.Id).remove();
      removed++;
    } catch (err) {
      logger.debug({ err, image: image.Id }, 'image not removed');
    }
  }
  logger.info({ usage: Math.round(usage * 100), removed }, 'image garbage collection');
  return removed;
}

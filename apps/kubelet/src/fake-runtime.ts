/**
 * An in-memory ContainerRuntime for hollow nodes and tests: every call completes at once,
 * containers "run" until stopped (or exitContainer), images "pull" instantly with a fake digest.
 * Pod IPs come from the node's pod CIDR (set by updateRuntimeConfig), like a CNI bridge plugin
 * would. The kubelet lists by pod uid on every sync of every pod, so sandboxes and containers
 * are indexed by it, and results are shallow copies rather than structured clones: a hollow
 * node with 110 pods resyncing must not scan and deep-copy the node for each.
 *
 * Containers that finish by themselves (Jobs on hollow nodes): a pod annotated
 *   hollow.skiff.dev/exit-after: 2s      (a Go-style duration: 500ms, 2s, 1m30s)
 *   hollow.skiff.dev/exit-code: "1"      (default 0)
 * has every container exit that long after it started, with that code (reason Completed
 * for 0, Error otherwise), and `onContainerExit(podUid)` tells the kubelet to sync the pod
 * now rather than at its next resync. A restarted container (restartPolicy OnFailure or
 * Always) runs the same course again. Docker nodes ignore these annotations.
 */
import { createHash } from 'node:crypto';
import {
  LABEL_POD_UID,
  matchesLabels,
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerRuntime,
  type ContainerStatus,
  type Labels,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type SandboxFilter,
} from './container-runtime.ts';
import { PodIpAllocator } from './pod-ip-allocator.ts';
import { duration } from '@skiff/log';

export const ANNOTATION_EXIT_AFTER = 'hollow.skiff.dev/exit-after';
export const ANNOTATION_EXIT_CODE = 'hollow.skiff.dev/exit-code';

/** How a hollow container ends by itself, read from its pod's annotations; undefined: it runs until stopped. */
export interface ExitPlan {
  afterMs: number;
  exitCode: number;
}

const milliseconds = duration('ms');

/** The exit plan of a pod's annotations; a malformed value means no plan (the container runs on). */
export function exitPlanOf(annotations: Labels | undefined): ExitPlan | undefined {
  const after = annotations?.[ANNOTATION_EXIT_AFTER];
  if (after === undefined) return undefined;
  const afterMs = milliseconds.parse(after.trim());
  const codeText = annotations?.[ANNOTATION_EXIT_CODE]?.trim() ?? '0';
  const exitCode = /^\d{1,3}$/.test(codeText) ? Number(codeText) : NaN;
  if (afterMs === undefined || !(exitCode >= 0 && exitCode <= 255)) return undefined;
  return { afterMs, exitCode };
}

export interface FakeRuntimeOptions {
  now?: () => number;
  /** A container exited by itself (its exit plan ran out): the kubelet should sync that pod. */
  onContainerExit?: (podUid: string) => void;
}

export const FAKE_RUNTIME_VERSION = '0.1.0';

export class FakeRuntime implements ContainerRuntime {
  readonly name = 'fake';
  readonly #sandboxes = new Map<string, PodSandboxStatus>();
  readonly #containers = new Map<string, ContainerStatus>();
  /** Pod uid label → ids of its sandboxes / containers. */
  readonly #sandboxesByPod = new Map<string, Set<string>>();
  readonly #containersByPod = new Map<string, Set<string>>();
  readonly #now: () => number;
  readonly #onContainerExit: ((podUid: string) => void) | undefined;
  /** Container id → its exit plan, and the timer running it once started. */
  readonly #exitPlans = new Map<string, ExitPlan>();
  readonly #exitTimers = new Map<string, NodeJS.Timeout>();
  #ips: PodIpAllocator | undefined;
  #podCidr = '';
  #seq = 0;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#onContainerExit = opts.onContainerExit;
  }

  async version() {
    return { runtimeName: 'fake', runtimeVersion: FAKE_RUNTIME_VERSION };
  }

  async updateRuntimeConfig(config: { podCidr: string }): Promise<void> {
    if (config.podCidr === this.#podCidr) return;
    if (this.#sandboxes.size > 0 && this.#podCidr)
      throw new Error(`fake runtime: pod CIDR changed from ${this.#podCidr} to ${config.podCidr} with sandboxes running`);
    this.#ips = new PodIpAllocator(config.podCidr);
    this.#podCidr = config.podCidr;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    let ip = '';
    if (!config.hostNetwork) {
      if (!this.#ips) throw new Error('fake runtime: no pod CIDR yet (updateRuntimeConfig first)');
      ip = this.#ips.allocate() ?? '';
      if (!ip) throw new Error(`fake runtime: pod CIDR ${this.#podCidr} is full`);
    }
    const id = this.#newId('sandbox', config.metadata.uid);
    this.#sandboxes.set(id, { id, metadata: { ...config.metadata }, state: 'SANDBOX_READY', createdAt: this.#now(), labels: { ...config.labels }, ip });
    addToIndex(this.#sandboxesByPod, config.labels, id);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) return;
    for (const c of this.#containersOf(sandbox)) this.#exit(c, 137, 'Error');
    if (sandbox.ip) this.#ips?.release(sandbox.ip);
    this.#sandboxes.set(id, { ...sandbox, state: 'SANDBOX_NOTREADY', ip: '' });
  }

  async removePodSandbox(id: string): Promise<void> {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) return;
    await this.stopPodSandbox(id);
    for (const c of this.#containersOf(sandbox)) await this.removeContainer(c.id);
    this.#sandboxes.delete(id);
    removeFromIndex(this.#sandboxesByPod, sandbox.labels, id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const s = this.#sandboxes.get(id);
    return s ? copySandbox(s) : undefined;
  }

  async listPodSandboxes(filter: SandboxFilter = {}): Promise<PodSandbox[]> {
    return select(this.#sandboxes, this.#sandboxesByPod, filter.labels)
      .filter((s) => (!filter.id || s.id === filter.id) && (!filter.state || s.state === filter.state) && matchesLabels(s.labels, filter.labels))
      .map(({ ip: _ip, ...s }) => copySandbox(s));
  }

  async pullImage(image: string): Promise<string> {
    return `fake://sha256:${createHash('sha256').update(image).digest('hex')}`;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox || sandbox.state !== 'SANDBOX_READY') throw new Error(`fake runtime: sandbox ${podSandboxId} is not ready`);
    const id = this.#newId('container', `${podSandboxId}/${config.name}`);
    this.#containers.set(id, {
      id,
      podSandboxId,
      name: config.name,
      attempt: config.attempt,
      image: config.image,
      imageRef: await this.pullImage(config.image),
      state: 'CONTAINER_CREATED',
      createdAt: this.#now(),
      labels: { ...config.labels },
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      message: '',
    });
    addToIndex(this.#containersByPod, config.labels, id);
    const plan = exitPlanOf(sandboxConfig.annotations);
    if (plan) this.#exitPlans.set(id, plan);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) throw new Error(`fake runtime: no container ${id}`);
    if (c.state !== 'CONTAINER_CREATED') throw new Error(`fake runtime: container ${id} is ${c.state}, cannot start`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.#now();
    const plan = this.#exitPlans.get(id);
    if (plan) this.#scheduleExit(c, plan);
  }

  /** Runs a started container's exit plan: it exits on its own, and the kubelet hears of it. */
  #scheduleExit(c: ContainerStatus, plan: ExitPlan): void {
    const timer = setTimeout(() => {
      this.#exitTimers.delete(c.id);
      if (c.state !== 'CONTAINER_RUNNING') return;
      this.#exit(c, plan.exitCode, plan.exitCode === 0 ? 'Completed' : 'Error');
      this.#onContainerExit?.(c.labels[LABEL_POD_UID] ?? '');
    }, plan.afterMs);
    timer.unref();
    this.#exitTimers.set(c.id, timer);
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    const c = this.#containers.get(id);
    // A hollow container exits at once on SIGTERM, like a well-behaved process.
    if (c) this.#exit(c, 143, 'Error');
  }

  /** The container's process ends by itself (a crash, a finished job): for tests and hollow scenarios. */
  exitContainer(id: string, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error'): void {
    const c = this.#containers.get(id);
    if (!c) throw new Error(`fake runtime: no container ${id}`);
    this.#exit(c, exitCode, reason);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) return;
    clearTimeout(this.#exitTimers.get(id));
    this.#exitTimers.delete(id);
    this.#exitPlans.delete(id);
    this.#containers.delete(id);
    removeFromIndex(this.#containersByPod, c.labels, id);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    return select(this.#containers, this.#containersByPod, filter.labels)
      .filter(
        (c) =>
          (!filter.id || c.id === filter.id) &&
          (!filter.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
          (!filter.state || c.state === filter.state) &&
          matchesLabels(c.labels, filter.labels),
      )
      .map(({ startedAt: _s, finishedAt: _f, exitCode: _e, reason: _r, message: _m, ...c }) => ({ ...c, labels: { ...c.labels } }));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.#containers.get(id);
    return c ? { ...c, labels: { ...c.labels } } : undefined;
  }

  /** The containers of a sandbox, found through its pod's index entry. */
  #containersOf(sandbox: PodSandbox): ContainerStatus[] {
    return select(this.#containers, this.#containersByPod, sandbox.labels).filter((c) => c.podSandboxId === sandbox.id);
  }

  #exit(c: ContainerStatus, exitCode: number, reason: string): void {
    if (c.state === 'CONTAINER_EXITED') return;
    clearTimeout(this.#exitTimers.get(c.id));
    this.#exitTimers.delete(c.id);
    if (c.state !== 'CONTAINER_RUNNING') exitCode = 0;
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = this.#now();
    c.exitCode = exitCode;
    c.reason = reason;
  }

  #newId(kind: string, seed: string): string {
    return createHash('sha256')
      .update(`${kind}/${seed}/${++this.#seq}/${process.pid}`)
      .digest('hex');
  }
}

function copySandbox<T extends PodSandbox>(s: T): T {
  return { ...s, metadata: { ...s.metadata }, labels: { ...s.labels } };
}

function addToIndex(index: Map<string, Set<string>>, labels: Labels, id: string): void {
  const uid = labels[LABEL_POD_UID] ?? '';
  let ids = index.get(uid);
  if (!ids) index.set(uid, (ids = new Set()));
  ids.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, labels: Labels, id: string): void {
  const uid = labels[LABEL_POD_UID] ?? '';
  const ids = index.get(uid);
  ids?.delete(id);
  if (ids?.size === 0) index.delete(uid);
}

/** The candidates for a filter: one pod's entries when it names a pod uid, else everything. */
function select<T>(all: Map<string, T>, index: Map<string, Set<string>>, labels: Labels | undefined): T[] {
  const uid = labels?.[LABEL_POD_UID];
  if (uid === undefined) return [...all.values()];
  return [...(index.get(uid) ?? [])].map((id) => all.get(id)!);
}

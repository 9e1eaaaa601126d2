/**
 * An in-memory ContainerRuntime for hollow nodes and tests: every call completes at once,
 * containers "run" until stopped, images "pull" instantly with a fake digest. Pod IPs come
 * from the node's pod CIDR (set by updateRuntimeConfig), like a CNI bridge plugin would.
 */
import { createHash } from 'node:crypto';
import {
  matchesLabels, type Container, type ContainerConfig, type ContainerFilter, type ContainerRuntime, type ContainerStatus,
  type PodSandbox, type PodSandboxConfig, type PodSandboxStatus, type SandboxFilter,
} from './container-runtime.ts';
import { PodIpAllocator } from './pod-ip-allocator.ts';

export const FAKE_RUNTIME_VERSION = '0.1.0';

export class FakeRuntime implements ContainerRuntime {
  readonly name = 'fake';
  readonly #sandboxes = new Map<string, PodSandboxStatus>();
  readonly #containers = new Map<string, ContainerStatus>();
  readonly #now: () => number;
  #ips: PodIpAllocator | undefined;
  #podCidr = '';
  #seq = 0;

  constructor(opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async version() {
    return { runtimeName: 'fake', runtimeVersion: FAKE_RUNTIME_VERSION };
  }

  async updateRuntimeConfig(config: { podCidr: string }): Promise<void> {
    if (config.podCidr === this.#podCidr) return;
    if (this.#sandboxes.size > 0 && this.#podCidr) throw new Error(`fake runtime: pod CIDR changed from ${this.#podCidr} to ${config.podCidr} with sandboxes running`);
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
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.#sandboxes.get(id);
    if (!sandbox) return;
    for (const c of this.#containers.values()) {
      if (c.podSandboxId === id) this.#exit(c, 137, 'Error');
    }
    if (sandbox.ip) this.#ips?.release(sandbox.ip);
    this.#sandboxes.set(id, { ...sandbox, state: 'SANDBOX_NOTREADY', ip: '' });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const [cid, c] of this.#containers) {
      if (c.podSandboxId === id) this.#containers.delete(cid);
    }
    this.#sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const s = this.#sandboxes.get(id);
    return s ? structuredClone(s) : undefined;
  }

  async listPodSandboxes(filter: SandboxFilter = {}): Promise<PodSandbox[]> {
    return [...this.#sandboxes.values()]
      .filter((s) => (!filter.id || s.id === filter.id) && (!filter.state || s.state === filter.state) && matchesLabels(s.labels, filter.labels))
      .map(({ ip: _ip, ...s }) => structuredClone(s));
  }

  async pullImage(image: string): Promise<string> {
    return `fake://sha256:${createHash('sha256').update(image).digest('hex')}`;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, _sandboxConfig: PodSandboxConfig): Promise<string> {
    const sandbox = this.#sandboxes.get(podSandboxId);
    if (!sandbox || sandbox.state !== 'SANDBOX_READY') throw new Error(`fake runtime: sandbox ${podSandboxId} is not ready`);
    const id = this.#newId('container', `${podSandboxId}/${config.name}`);
    this.#containers.set(id, {
      id, podSandboxId, name: config.name, attempt: config.attempt, image: config.image, imageRef: await this.pullImage(config.image),
      state: 'CONTAINER_CREATED', createdAt: this.#now(), labels: { ...config.labels },
      startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', message: '',
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) throw new Error(`fake runtime: no container ${id}`);
    if (c.state !== 'CONTAINER_CREATED') throw new Error(`fake runtime: container ${id} is ${c.state}, cannot start`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.#now();
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    const c = this.#containers.get(id);
    // A hollow container exits at once on SIGTERM, like a well-behaved process.
    if (c) this.#exit(c, 143, 'Error');
  }

  async removeContainer(id: string): Promise<void> {
    this.#containers.delete(id);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    return [...this.#containers.values()]
      .filter((c) => (!filter.id || c.id === filter.id) && (!filter.podSandboxId || c.podSandboxId === filter.podSandboxId)
        && (!filter.state || c.state === filter.state) && matchesLabels(c.labels, filter.labels))
      .map(({ startedAt: _s, finishedAt: _f, exitCode: _e, reason: _r, message: _m, ...c }) => structuredClone(c));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.#containers.get(id);
    return c ? structuredClone(c) : undefined;
  }

  #exit(c: ContainerStatus, exitCode: number, reason: string): void {
    if (c.state === 'CONTAINER_EXITED') return;
    if (c.state !== 'CONTAINER_RUNNING') exitCode = 0;
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = this.#now();
    c.exitCode = exitCode;
    c.reason = reason;
  }

  #newId(kind: string, seed: string): string {
    return createHash('sha256').update(`${kind}/${seed}/${++this.#seq}/${process.pid}`).digest('hex');
  }
}

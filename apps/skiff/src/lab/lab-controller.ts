/**
 * The lab, as operations: up (idempotent: starts only what is not running), down (removes everything
 * it made), per-node stop/start (a power cut: agents and engine go, the disk stays), component
 * restarts, image loading. `./skiff lab` and test/harness/lab.ts both drive this class.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { findResourceByKind, type Node } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { createLogger } from '@skiff/log';
import type { ComponentSpec } from '../components.ts';
import { ensureNodeImages } from '../images/web-image.ts';
import { findRunningPid, isOurProcess, readLogTail, startDetached, stopProcess, waitForExit } from '../processes.ts';
import {
  balancerComponent,
  balancerUrl,
  etcdComponents,
  kubeletRootDir,
  nodeAgentRole,
  registryComponent,
  registryConfig,
  serverRoles,
} from './lab-components.ts';
import type { HostRole } from '../components.ts';
import { dockerdProcess, ensureNodeDockerd, nodeDocker, stopNodeDockerd } from './lab-dockerd.ts';
import { execInNetns, execInPod, type ExecResult, type PodRef } from './lab-exec.ts';
import { copyImageToNode, pushFromNode } from './lab-images.ts';
import { computeLabLayout, findLabNode, validateLabOptions, type LabLayout, type LabNode, type LabNodeInfo, type LabOptions } from './lab-layout.ts';
import { ensureLabBridge, ensureNodeNetwork, removeLabBridge, removeNodeNetwork, routePodNetworks } from './lab-network.ts';
import { ensureLabPki } from './lab-pki.ts';
import { tryCommand, unmountUnder } from './run-command.ts';

const NODES = findResourceByKind('v1', 'Node')!;
const START_TIMEOUT_MS = 90_000;
const NODES_READY_TIMEOUT_MS = 180_000;

export type LabState = { nodes: LabNodeInfo[]; kubeconfigPath: string; server: string; clusterCidr: string };

export class LabController {
  readonly home: string;
  readonly #quiet: boolean;
  #options: LabOptions | undefined;
  #layout: LabLayout | undefined;

  constructor(home: string, opts: { quiet?: boolean } = {}) {
    this.home = home;
    this.#quiet = opts.quiet ?? false;
  }

  progress = (message: string): void => {
    if (!this.#quiet) console.log(`==> ${message}`);
  };

  /** The lab's options from its state file, if a lab was brought up from this SKIFF_HOME. */
  readSavedOptions(): LabOptions | undefined {
    const file = computeLabLayout(this.home, { nodes: 0, etcd: 0, controlPlanes: 0, slot: 0 }).stateFile;
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as LabOptions;
  }

  /** Layout of the lab that exists (from its state file); throws when there is none. */
  get layout(): LabLayout {
    if (!this.#layout) {
      this.#options = this.readSavedOptions();
      if (!this.#options) throw new Error(`skiff lab: no lab under ${join(this.home, 'lab')} (./skiff lab up --nodes N)`);
      this.#layout = computeLabLayout(this.home, this.#options);
    }
    return this.#layout;
  }

  get options(): LabOptions {
    void this.layout;
    return this.#options!;
  }

  state(): LabState {
    const layout = this.layout;
    return {
      nodes: layout.nodes.map(({ name, ip, netns, dockerHost }) => ({ name, ip, netns, dockerHost })),
      kubeconfigPath: layout.kubeconfigPath,
      server: balancerUrl(layout),
      clusterCidr: layout.clusterCidr,
    };
  }

  async up(opts: LabOptions): Promise<LabState> {
    validateLabOptions(opts);
    if (process.getuid?.() !== 0) throw new Error('skiff lab: needs root (network namespaces, iptables, dockerd)');
    const saved = this.readSavedOptions();
    if (saved && (saved.nodes !== opts.nodes || saved.etcd !== opts.etcd || saved.controlPlanes !== opts.controlPlanes || saved.slot !== opts.slot)) {
      throw new Error(
        `skiff lab: a lab with ${saved.nodes} nodes, ${saved.etcd} etcd, ${saved.controlPlanes} control planes (slot ${saved.slot}) exists; './skiff lab down' first`,
      );
    }
    this.#options = opts;
    const layout = (this.#layout = computeLabLayout(this.home, opts));
    for (const dir of [layout.dir, layout.runDir, layout.logDir]) await mkdir(dir, { recursive: true });
    await writeFile(layout.stateFile, `${JSON.stringify(opts, null, 2)}\n`);
    await this.#claimSlot(layout.slot);

    this.progress(`pki and kubeconfigs: ${layout.pkiDir}`);
    await ensureLabPki(layout);
    this.progress(`network: bridge ${layout.bridge} ${layout.hostIp}/${layout.prefixLength}, ${layout.nodes.length} netns`);
    await ensureLabBridge(layout);
    for (const node of layout.nodes) await ensureNodeNetwork(layout, node);

    this.progress('images: pause, busybox, web:v1, web:v2 in the host engine');
    const host = new Docker();
    const images = [...(await ensureNodeImages(host, createLogger('skiff-lab', 'warn'))), ...opts.images];

    const caCert = () => readFile(join(layout.pkiDir, 'ca.crt'), 'utf8');
    // Members of a new etcd cluster wait for each other: start all, then wait for each.
    await this.#ensureAll(etcdComponents(layout));
    // The servers' controller-managers and schedulers reach the apiservers through the balancer.
    await this.#ensureAll([...serverRoles(layout, caCert, opts.fastFailover), balancerComponent(layout)]);
    await mkdir(join(layout.dir, 'registry', 'data'), { recursive: true });
    await writeFile(join(layout.dir, 'registry', 'config.yml'), registryConfig(layout));
    if (existsSync('/usr/bin/docker-registry')) await this.#ensureAll([registryComponent(layout)]);
    else this.progress('registry: /usr/bin/docker-registry missing (apt-get install docker-registry); skipped');

    await Promise.all(
      layout.nodes.map(async (node) => {
        await ensureNodeDockerd(layout, node, this.progress);
        for (const ref of images) {
          if (await copyImageToNode(host, node, ref)) this.progress(`${node.name}: loaded ${ref}`);
        }
      }),
    );
    await this.#ensureAll(layout.nodes.flatMap((node) => this.#agents(node)));
    await this.waitForNodesReady(
      layout.nodes.map((n) => n.name),
      NODES_READY_TIMEOUT_MS,
    );
    await this.#routePodNetworks();
    return this.state();
  }

  /**
   * Records which SKIFF_HOME owns the slot (its names and addresses are machine-wide), refusing when
   * another home's lab still holds it: two labs on one bridge would tear each other down.
   */
  async #claimSlot(slot: number): Promise<void> {
    const file = labSlotFile(slot);
    const owner = await readFile(file, 'utf8').then(
      (s) => s.trim(),
      () => undefined,
    );
    if (owner && owner !== this.home && existsSync(join(owner, 'lab', 'lab.json'))) {
      throw new Error(`skiff lab: slot ${slot} is used by the lab under ${owner} (SKIFF_HOME=${owner} ./skiff lab down)`);
    }
    await mkdir('/run/skiff-lab', { recursive: true });
    await writeFile(file, `${this.home}\n`);
  }

  /** The node's agent role (kubelet, kube-proxy, dns in one process). */
  #agents(node: LabNode): HostRole[] {
    return [nodeAgentRole(this.layout, node, this.options.fastFailover)];
  }

  /** Every host process by name (etcd-0, server-1, apiserver-balancer, registry). */
  #hostComponents(): ComponentSpec[] {
    const layout = this.layout;
    const caCert = () => readFile(join(layout.pkiDir, 'ca.crt'), 'utf8');
    return [...etcdComponents(layout), ...serverRoles(layout, caCert, this.options.fastFailover), balancerComponent(layout), registryComponent(layout)];
  }

  /** A host process by name, or with `node` that node's `agent`. */
  #component(name: string, node?: string): ComponentSpec {
    if (node !== undefined) {
      if (name !== 'agent') throw new Error(`skiff lab: a node runs one process, "agent" (kubelet, kube-proxy and dns); got "${name}"`);
      return this.#agents(findLabNode(this.layout, node))[0]!;
    }
    const found = this.#hostComponents().find((c) => c.name === name);
    if (!found)
      throw new Error(
        `skiff lab: no component "${name}" (${this.#hostComponents()
          .map((c) => c.name)
          .join(', ')})`,
      );
    return found;
  }

  /** Starts those not running (all at once), then waits for each to be healthy. */
  async #ensureAll(components: ComponentSpec[]): Promise<void> {
    const pids = new Map<ComponentSpec, number>();
    for (const c of components) {
      const running = await findRunningPid(c);
      if (running !== undefined) {
        pids.set(c, running);
        continue;
      }
      if (isRole(c)) await c.writeConfig();
      const pid = await startDetached(c.createStartOptions());
      pids.set(c, pid);
      this.progress(`${c.name}: started (pid ${pid})`);
    }
    await Promise.all(
      components.map(async (c) => {
        const pid = pids.get(c)!;
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (!(await c.isHealthy())) {
          const died = !isOurProcess(pid, c.marker);
          if (died || Date.now() > deadline) {
            const tail = await readLogTail(c.logFile);
            throw new Error(
              `${c.name} ${died ? 'exited' : `not healthy at ${c.healthUrl} within ${START_TIMEOUT_MS / 1000} s`}; see ${c.logFile}${tail ? `:\n${tail}` : ''}`,
            );
          }
          await sleep(250);
        }
      }),
    );
  }

  client(): RestClient {
    return RestClient.fromKubeconfig(this.layout.kubeconfigPath, { timeoutMs: 10_000 });
  }

  async listNodes(): Promise<Node[] | undefined> {
    const client = this.client();
    try {
      return (await client.list<Node>(NODES)).items;
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  async waitForNodesReady(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const nodes = (await this.listNodes()) ?? [];
      const ready = names.filter((name) =>
        nodes.find((n) => n.metadata?.name === name)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      const line = `nodes Ready: ${ready.length}/${names.length}`;
      if (line !== last) this.progress(line);
      last = line;
      if (ready.length === names.length) return;
      if (Date.now() > deadline)
        throw new Error(`skiff lab: ${line} after ${timeoutMs / 1000} s; agent logs (kubelet, kube-proxy, dns): ${this.layout.logDir}/<node>.agent.log`);
      await sleep(1000);
    }
  }

  /** A power cut: the node's agents and its engine stop (its containers with it); disk and network stay. */
  async stopNode(name: string): Promise<void> {
    const node = findLabNode(this.layout, name);
    for (const c of this.#agents(node).reverse()) await stopProcess(c, 10_000);
    await stopNodeDockerd(this.layout, node);
    this.progress(`${node.name}: stopped (kubelet, kube-proxy, dns, dockerd)`);
  }

  async startNode(name: string): Promise<void> {
    const node = findLabNode(this.layout, name);
    await ensureNodeNetwork(this.layout, node);
    await ensureNodeDockerd(this.layout, node, this.progress);
    await this.#ensureAll(this.#agents(node));
    await this.#routePodNetworks();
    this.progress(`${node.name}: started`);
  }

  /**
   * The apiservers run on the host, as a dedicated control-plane machine would, and call webhook
   * pods, conversion webhooks and aggregated APIs at pod IPs: the host routes each node's pod
   * network to that node over the lab bridge (kube-proxy routes them only between the nodes).
   * The routes go with the bridge at `down`.
   */
  async #routePodNetworks(): Promise<void> {
    const routes = ((await this.listNodes()) ?? []).flatMap((n) => {
      const node = this.layout.nodes.find((l) => l.name === n.metadata?.name);
      return node && n.spec?.podCIDR ? [{ cidr: n.spec.podCIDR, via: node.ip }] : [];
    });
    await routePodNetworks(this.layout, routes);
    if (routes.length > 0) this.progress(`pod networks routed from the host: ${routes.map((r) => `${r.cidr} via ${r.via}`).join(', ')}`);
  }

  async stopComponent(name: string, node?: string): Promise<void> {
    const c = this.#component(name, node);
    this.progress(`${c.name}: ${await stopProcess(c, 10_000)}`);
  }

  async startComponent(name: string, node?: string): Promise<void> {
    await this.#ensureAll([this.#component(name, node)]);
  }

  /** A crash: SIGKILL, no shutdown at all (leases stay held until they expire). startComponent brings it back, as systemd would. */
  async killComponent(name: string, node?: string): Promise<number | undefined> {
    const c = this.#component(name, node);
    const pid = await findRunningPid(c);
    if (pid !== undefined) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 10_000);
      this.progress(`${c.name}: killed (pid ${pid})`);
    }
    return pid;
  }

  /**
   * The server whose controller-manager (or scheduler) holds the lease: each reports
   * skiff_leader_election_master_status on its metrics port.
   */
  async leaderServer(component: 'controller-manager' | 'scheduler'): Promise<string | undefined> {
    const caCert = () => readFile(join(this.layout.pkiDir, 'ca.crt'), 'utf8');
    for (const server of serverRoles(this.layout, caCert, this.options.fastFailover)) {
      const member = server.members.find((m) => m.name.startsWith(`${component}-`))!;
      const metrics = await fetch(member.healthUrl.replace(/\/healthz$/, '/metrics'), { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.text(),
        () => '',
      );
      // Each component's registry labels its series ({component="controller-manager"}).
      if (/^skiff_leader_election_master_status(\{[^}]*\})? 1$/m.test(metrics)) return server.name;
    }
    return undefined;
  }

  async restartComponent(name: string, node?: string): Promise<void> {
    await this.stopComponent(name, node);
    await this.startComponent(name, node);
  }

  dockerOf(name: string): Docker {
    return nodeDocker(findLabNode(this.layout, name));
  }

  execInPod(node: string, pod: PodRef, cmd: string[]): Promise<ExecResult> {
    return execInPod(this.dockerOf(node), node, pod, cmd);
  }

  execInNode(node: string, cmd: string[]): Promise<ExecResult> {
    return execInNetns(findLabNode(this.layout, node).netns, cmd);
  }

  /** `lab load IMAGE...`: host images into every node's engine, and into the lab registry. */
  async load(refs: string[]): Promise<void> {
    const host = new Docker();
    const layout = this.layout;
    for (const ref of refs) {
      await Promise.all(
        layout.nodes.map(async (node) => {
          const loaded = await copyImageToNode(host, node, ref);
          this.progress(`${node.name}: ${ref} ${loaded ? 'loaded' : 'already there'}`);
        }),
      );
      if (await registryComponent(layout).isHealthy()) {
        this.progress(`registry: pushed ${await pushFromNode(layout, layout.nodes[0]!, ref)}`);
      }
    }
  }

  /** Rows for `lab status`: each process with its pid and health. */
  async componentStatus(): Promise<{ name: string; pid?: number; healthy: boolean }[]> {
    const layout = this.layout;
    const rows: { name: string; pid?: number; healthy: boolean }[] = [];
    const all = [...this.#hostComponents(), ...layout.nodes.flatMap((n) => this.#agents(n))];
    for (const c of all) {
      const pid = await findRunningPid(c);
      rows.push({ name: c.name, pid, healthy: pid !== undefined && (await c.isHealthy()) });
      // A role's components, each by name, under it.
      for (const m of isRole(c) ? c.members : []) rows.push({ name: `${c.name} ${m.name}`, pid, healthy: pid !== undefined && (await m.isHealthy()) });
    }
    for (const node of layout.nodes) {
      const pid = await findRunningPid(dockerdProcess(layout, node));
      let healthy = false;
      if (pid !== undefined)
        healthy = await nodeDocker(node)
          .ping()
          .then(
            () => true,
            () => false,
          );
      rows.push({ name: `${node.name}/dockerd`, pid, healthy });
    }
    return rows;
  }

  /** Removes everything the lab made; tolerates a half-made or half-removed lab. `keepLogs` leaves <lab>/logs. */
  async down(opts: { keepLogs?: boolean } = {}): Promise<void> {
    let layout: LabLayout;
    try {
      layout = this.layout;
    } catch {
      return;
    }
    const errors: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
      }
    };
    await Promise.all(
      layout.nodes.map(async (node) => {
        for (const c of this.#agents(node).reverse()) await attempt(c.name, () => stopProcess(c, 10_000));
        await attempt(`${node.name}/containers`, () => removeAllContainers(node));
        await attempt(`${node.name}/dockerd`, () => stopNodeDockerd(layout, node));
      }),
    );
    for (const c of this.#hostComponents().reverse()) await attempt(c.name, () => stopProcess(c, 10_000));
    for (const node of layout.nodes) {
      // The kubelet leaves its pods' tmpfs volumes (secrets, projected tokens) mounted when it stops, as it must for a restart.
      await attempt(`${node.name}/mounts`, () => unmountUnder([node.dockerDataRoot, node.dockerExecRoot, kubeletRootDir(node)]));
      await attempt(`${node.name}/cgroups`, () => removeCgroups(`skiff-lab-${node.name}`));
      await attempt(`${node.name}/network`, () => removeNodeNetwork(node));
      await attempt(`${node.name}/run`, () => rm(`/run/skiff-lab/${node.name}`, { recursive: true, force: true }));
    }
    await attempt('bridge', () => removeLabBridge(layout));
    await rm(labSlotFile(layout.slot), { force: true });
    await rmdir('/run/skiff-lab').catch(() => {}); // only when no other lab uses it
    await attempt('state', async () => {
      if (!opts.keepLogs) return rm(layout.dir, { recursive: true, force: true });
      for (const entry of await readdir(layout.dir)) {
        if (join(layout.dir, entry) !== layout.logDir) await rm(join(layout.dir, entry), { recursive: true, force: true });
      }
    });
    this.progress(`lab removed (bridge ${layout.bridge}, ${layout.nodes.length} nodes)`);
    if (errors.length > 0) throw new Error(`skiff lab down: some things could not be removed:\n  ${errors.join('\n  ')}`);
  }
}

/** Names the SKIFF_HOME whose lab holds a slot (under /run: gone after a reboot, like the netns). */
export function labSlotFile(slot: number): string {
  return `/run/skiff-lab/slot-${slot}.home`;
}

/** Force-removes every container of the node's engine (they are all the lab's); engine not running: nothing to do. */
async function removeAllContainers(node: LabNode): Promise<void> {
  const docker = nodeDocker(node);
  let containers: Docker.ContainerInfo[];
  try {
    containers = await docker.listContainers({ all: true });
  } catch {
    return;
  }
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
}

/** Removes the (empty once its containers are gone) cgroup directories the node's engine used as parent. */
async function removeCgroups(parent: string): Promise<void> {
  const root = '/sys/fs/cgroup';
  const out = await tryCommand('find', [root, '-maxdepth', '3', '-type', 'd', '-name', parent]);
  const dirs = out.stdout.split('\n').filter(Boolean);
  for (const dir of dirs) {
    // Children first: rmdir works on a cgroup only when it has no sub-cgroups (and no tasks).
    const sub = (await tryCommand('find', [dir, '-depth', '-type', 'd'])).stdout.split('\n').filter(Boolean);
    for (const d of sub) await rmdir(d).catch(() => {});
  }
}

function isRole(c: ComponentSpec): c is HostRole {
  return 'members' in c;
}

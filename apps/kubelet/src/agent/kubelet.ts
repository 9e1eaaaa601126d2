/**
 * The Docker-mode kubelet: one real node. Shaped after the kubelet's own structure — a pod
 * informer scoped to this node feeds per-pod workers (pod-workers.ts) that run the
 * level-triggered syncPod, a status manager writes pod status, a node loop keeps the Node,
 * its Lease and its Ready condition (which follows Docker's health), and housekeeping
 * resyncs every pod, removes what belongs to pods that are gone and garbage-collects.
 * Everything the kubelet knows about running pods is read back from Docker's labels, so a
 * restarted kubelet adopts its containers instead of restarting them.
 */
import { readFile } from 'node:fs/promises';
import { findResource, type Node, type Pod } from '@skiff/api';
import { EventRecorder, Informer, RestClient, isConflict, isNotFound, sleep } from '@skiff/client';
import { serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import type { KubeletConfig } from '../config.ts';
import { LABEL_POD_UID } from '../container-runtime.ts';
import { DockerRuntime } from '../docker-runtime.ts';
import { runInContainer } from '../docker/docker-streams.ts';
import { PAUSE_IMAGE } from '@skiff/images';
import { NodeAgent } from '../node-agent.ts';
import type { NodeShape } from '../node-status.ts';
import { Backoff } from '../pod-sync/backoff.ts';
import { findReadySandbox, getPodRuntimeStatus } from '../pod-sync/container-status.ts';
import { buildPodStatus } from '../pod-sync/pod-status.ts';
import { removePodResources, syncPod, type PodEvent } from '../pod-sync/sync-pod.ts';
import { ApiSources } from './api-sources.ts';
import { createDockerClient } from './docker-client.ts';
import { collectContainers, collectImages } from './garbage-collector.ts';
import { createKubeletMetrics, type KubeletMetrics } from './kubelet-metrics.ts';
import { buildNodeShape, detectNodeIp } from './node-info.ts';
import { loadPlugins, type LoadedPlugins } from './plugins.ts';
import { PodWorkers } from './pod-workers.ts';
import { StatsCollector, startKubeletServer } from '../server/index.ts';
import { StatusManager } from './status-manager.ts';
import { getGracePeriodSeconds, killPodWithGrace } from './termination.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;
const podsResource = findResource('', 'v1', 'pods')!;
/** Every pod is synced at least this often (kubelet's resync interval). */
export const POD_RESYNC_MS = 10_000;
const HOUSEKEEPING_MS = 10_000;
const RUNTIME_DOWN = { reason: 'KubeletNotReady', message: 'container runtime is down' };

export interface KubeletOptions {
  config: KubeletConfig;
  logger: Logger;
}

export class Kubelet {
  readonly #config: KubeletConfig;
  readonly #logger: Logger;
  readonly #client: RestClient;
  readonly runtime: DockerRuntime;
  readonly #podInformer: Informer<Pod>;
  readonly #nodeInformer: Informer<Node>;
  readonly #pods = new Map<string, Pod>();
  readonly #workers: PodWorkers;
  readonly #status: StatusManager;
  readonly #recorder: EventRecorder;
  readonly #sources: ApiSources;
  readonly #backoff = new Backoff();
  readonly #imageBackoff = new Backoff();
  readonly #metrics: KubeletMetrics;
  /** Pods whose containers were stopped for a deletion (preStop runs once). */
  readonly #killed = new Set<string>();
  #plugins: LoadedPlugins = { isVolumeError: (_e): _e is Error & { volume: string } => false };
  #shape!: NodeShape;
  #agent!: NodeAgent;
  #podCidr = '';
  #runtimeUp = false;
  #hostResolvConf = '';

  constructor(opts: KubeletOptions) {
    this.#config = opts.config;
    this.#logger = opts.logger.child({ node: opts.config.nodeName });
    const c = this.#config;
    this.#client = RestClient.fromKubeconfig(c.kubeconfig, { userAgent: `skiff-kubelet/${c.nodeName}` });
    this.runtime = new DockerRuntime({
      docker: createDockerClient(c.dockerHost), logger: this.#logger, nodeName: c.nodeName, networkName: c.networkName, allowPrivileged: c.allowPrivileged,
    });
    this.#podInformer = new Informer<Pod>({ client: this.#client, resource: podsResource, fieldSelector: `spec.nodeName=${c.nodeName}`, logger: this.#logger });
    this.#nodeInformer = new Informer<Node>({ client: this.#client, resource: nodesResource, fieldSelector: `metadata.name=${c.nodeName}`, logger: this.#logger });
    this.#workers = new PodWorkers((uid) => this.#syncPodWork(uid), this.#logger);
    this.#status = new StatusManager(this.#client, this.#logger);
    this.#recorder = new EventRecorder(this.#client, { component: 'kubelet', host: c.nodeName, logger: this.#logger });
    this.#sources = new ApiSources(this.#client);
    this.#metrics = createKubeletMetrics();
  }

  /** The pod from the kubelet's cache (the kubelet API's lookups). */
  findPod(namespace: string, name: string): Pod | undefined {
    return this.#podInformer.get(namespace, name);
  }

  get metrics(): KubeletMetrics {
    return this.#metrics;
  }

  /** Runs until `signal` aborts. Pods keep running after the kubelet stops (as with the real kubelet). */
  async run(signal: AbortSignal): Promise<void> {
    const c = this.#config;
    const runtimeVersion = await this.runtime.version().then((v) => `docker://${v.runtimeVersion}`, () => 'docker://unknown');
    this.#runtimeUp = runtimeVersion !== 'docker://unknown';
    this.#hostResolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    this.#shape = buildNodeShape({
      nodeName: c.nodeName, nodeIp: c.nodeIp || detectNodeIp(), maxPods: c.maxPods, labels: c.nodeLabels,
      systemReserved: c.systemReserved, runtimeVersion, kubeletPort: c.port,
    });
    // Given at join: recorded on the Node so routes and kube-proxy see it as if the node-ipam controller set it.
    if (c.podCidr) this.#shape.podCidr = c.podCidr;
    if (!this.#runtimeUp) this.#shape.notReady = RUNTIME_DOWN;
    this.#agent = new NodeAgent({
      shape: this.#shape, client: this.#client, runtime: this.runtime, logger: this.#logger,
      getNode: () => this.#nodeInformer.get(undefined, c.nodeName),
    });
    this.#plugins = await loadPlugins({
      rootDir: c.rootDir, sources: this.#sources, logger: this.#logger,
      probes: {
        logger: this.#logger,
        exec: async (id, command, timeoutMs) => {
          const r = await runInContainer(this.runtime.docker, id, command, timeoutMs);
          return { exitCode: r.exitCode, output: r.stdout + r.stderr };
        },
        onChange: (uid) => this.#workers.update(uid),
        recordEvent: (pod, ev) => this.#recordEvent(pod, ev),
      },
    });

    let healthz: MetricsServer | undefined;
    const servers: { close(): Promise<void> }[] = [];
    try {
      if (c.healthzPort > 0) healthz = await serveMetrics(this.#metrics.registry, c.healthzPort, '127.0.0.1', () => !signal.aborted);
      const api = await this.#startApiServer();
      if (api) servers.push(api);
      this.#wireInformers();
      this.#nodeInformer.start(signal);
      this.#podInformer.start(signal);
      await this.#register(signal);
      if (signal.aborted) return;
      await Promise.race([
        Promise.all([this.#podInformer.waitForSync(), this.#nodeInformer.waitForSync()]),
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      if (signal.aborted) return;
      await this.#ensurePodCidr().catch((err) => this.#logger.warn({ err }, 'pod CIDR not applied yet'));
      this.#logger.info({ ip: this.#shape.internalIp, podCidr: this.#podCidr, runtime: runtimeVersion, pods: this.#pods.size }, 'kubelet running');
      for (const uid of this.#pods.keys()) this.#workers.update(uid);
      // Pods deleted while the kubelet was down: their containers go now, not at the first housekeeping.
      if (this.#runtimeUp) await this.#cleanupOrphans().catch((err) => this.#logger.warn({ err }, 'orphan cleanup failed'));
      await Promise.all([this.#leaseLoop(signal), this.#nodeStatusLoop(signal), this.#housekeepingLoop(signal)]);
    } finally {
      await this.#workers.stop();
      this.#plugins.probes?.stop();
      await this.#recorder.flush();
      await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
      await healthz?.close();
      this.#client.close();
    }
  }

  /** The kubelet API (apps/kubelet/src/server): logs, exec/attach/port-forward and stats for the apiserver. */
  async #startApiServer(): Promise<{ close(): Promise<void> }> {
    const c = this.#config;
    const collector = new StatsCollector({ runtime: this.runtime, nodeName: c.nodeName, logger: this.#logger });
    return startKubeletServer(
      { address: c.address, port: c.port, certFile: c.tlsCertFile || undefined, keyFile: c.tlsPrivateKeyFile || undefined, clientCaFile: c.clientCaFile || undefined, rootDir: c.rootDir },
      { logger: this.#logger, runtime: this.runtime, findPod: (ns, name) => this.findPod(ns, name), stats: () => collector.summary() },
    );
  }

  #wireInformers(): void {
    const onPod = (pod: Pod) => {
      const uid = pod.metadata?.uid ?? '';
      this.#pods.set(uid, pod);
      this.#workers.update(uid);
    };
    this.#podInformer.onAdd(onPod);
    this.#podInformer.onUpdate((_old, pod) => onPod(pod));
    this.#podInformer.onDelete((pod) => {
      const uid = pod.metadata?.uid ?? '';
      this.#pods.delete(uid);
      this.#workers.update(uid);
    });
    this.#nodeInformer.onUpdate((old, node) => {
      if (old.spec?.podCIDR !== node.spec?.podCIDR) {
        void this.#ensurePodCidr().then(() => { for (const uid of this.#pods.keys()) this.#workers.update(uid); }, () => undefined);
      }
    });
  }

  async #register(signal: AbortSignal): Promise<void> {
    for (let backoff = 500; !signal.aborted; backoff = Math.min(backoff * 2, 10_000)) {
      try {
        await this.#agent.register();
        await this.#agent.renewLease();
        if (this.#config.podCidr) {
          const node = await this.#client.get<Node>(nodesResource, undefined, this.#config.nodeName);
          // A Node registered before (without the flag) gets it now.
          if (!node.spec?.podCIDR) {
            await this.#client.patch(nodesResource, undefined, this.#config.nodeName, 'merge', { spec: { podCIDR: this.#config.podCidr, podCIDRs: [this.#config.podCidr] } });
          }
        }
        this.#logger.info('node registered');
        return;
      } catch (err) {
        this.#logger.warn({ err }, 'node registration failed; retrying');
        await sleep(backoff, signal);
      }
    }
  }

  /** Single-flight: the node informer and the pod workers may ask at the same moment. */
  #ensuring: Promise<boolean> | undefined;
  #ensurePodCidr(): Promise<boolean> {
    this.#ensuring ??= this.#applyPodCidr().finally(() => { this.#ensuring = undefined; });
    return this.#ensuring;
  }

  async #applyPodCidr(): Promise<boolean> {
    const cidr = this.#config.podCidr || this.#nodeInformer.get(undefined, this.#config.nodeName)?.spec?.podCIDR || '';
    if (!cidr) return false;
    if (cidr !== this.#podCidr) {
      await this.runtime.updateRuntimeConfig({ podCidr: cidr });
      this.#podCidr = cidr;
      this.#logger.info({ podCidr: cidr }, 'pod CIDR applied');
    }
    return true;
  }

  async #leaseLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#agent.renewLease().catch((err) => this.#logger.warn({ err }, 'lease renewal failed'));
      await sleep(this.#config.heartbeatIntervalMs, signal);
    }
  }

  /** Ready follows Docker: a failed ping turns the node NotReady until it answers again. */
  async #nodeStatusLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const up = await this.runtime.docker.ping().then(() => true, () => false);
      if (up !== this.#runtimeUp) {
        this.#logger.warn({ up }, up ? 'container runtime is back' : 'container runtime is down');
        this.#runtimeUp = up;
        if (up) {
          // A restarted engine: re-check the network and sync every pod now.
          this.#podCidr = '';
          await this.#ensurePodCidr().catch((err) => this.#logger.warn({ err }, 'pod CIDR not applied'));
          for (const uid of this.#pods.keys()) this.#workers.update(uid);
        }
      }
      if (up) delete this.#shape.notReady;
      else this.#shape.notReady = RUNTIME_DOWN;
      await this.#agent.syncNodeStatus(!up).catch((err) => this.#logger.warn({ err }, 'node status update failed'));
      await sleep(this.#config.nodeStatusUpdateFrequencyMs, signal);
    }
  }

  async #housekeepingLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(HOUSEKEEPING_MS, signal);
      if (signal.aborted || !this.#runtimeUp) continue;
      try {
        await this.#cleanupOrphans();
        await collectContainers(this.runtime, { maxPerPod: this.#config.maxDeadContainersPerPod, maxTotal: this.#config.maxDeadContainers }, this.#logger);
        if (this.#config.imageGc) await collectImages(this.runtime, PAUSE_IMAGE, this.#logger);
        await this.#updateGauges();
      } catch (err) {
        this.#logger.warn({ err }, 'housekeeping failed');
      }
    }
  }

  /** Containers and volume dirs of pods the apiserver no longer has (deleted while we were down): their workers clean up. */
  async #cleanupOrphans(): Promise<void> {
    if (!this.#podInformer.hasSynced()) return;
    const uids = new Set<string>();
    for (const s of await this.runtime.listPodSandboxes()) uids.add(s.metadata.uid);
    for (const ct of await this.runtime.listContainers()) uids.add(ct.labels[LABEL_POD_UID] ?? '');
    for (const uid of (await this.#plugins.volumes?.listPodUids()) ?? []) uids.add(uid);
    for (const uid of uids) {
      if (uid && !this.#pods.has(uid) && !this.#workers.uids.includes(uid)) this.#workers.update(uid);
    }
  }

  async #updateGauges(): Promise<void> {
    const sandboxes = await this.runtime.listPodSandboxes({ state: 'SANDBOX_READY' });
    const containers = await this.runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    this.#metrics.runningPods.set(sandboxes.length);
    this.#metrics.runningContainers.set(containers.length);
  }

  #recordEvent(pod: Pod, ev: PodEvent): void {
    const m = pod.metadata ?? {};
    this.#recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: m.name, namespace: m.namespace, uid: m.uid }, ...(ev.fieldPath ? { fieldPath: ev.fieldPath } : {}) }, ev.type, ev.reason, ev.message);
  }

  async #syncPodWork(uid: string): Promise<{ requeueAfterMs?: number; done?: boolean }> {
    const started = process.hrtime.bigint();
    let result = 'success';
    try {
      const pod = this.#pods.get(uid);
      if (!pod) {
        await this.#cleanupGonePod(uid);
        return { done: true };
      }
      if (pod.metadata?.deletionTimestamp) {
        await this.#terminatePod(pod);
        return {};
      }
      return await this.#syncRunningPod(pod);
    } catch (err) {
      result = 'error';
      throw err;
    } finally {
      this.#metrics.podSyncs.inc({ result });
      this.#metrics.podSyncDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async #syncRunningPod(pod: Pod): Promise<{ requeueAfterMs?: number }> {
    const uid = pod.metadata!.uid!;
    const hostNetwork = Boolean(pod.spec?.hostNetwork);
    if (!hostNetwork && !(await this.#ensurePodCidr())) return { requeueAfterMs: 1000 };
    const hostIP = this.#shape.internalIp;
    const before = await getPodRuntimeStatus(this.runtime, uid);
    const knownIP = hostNetwork ? hostIP : findReadySandbox(before)?.ip ?? '';
    const volumes = this.#plugins.volumes;
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (volumes && !finished) {
      try {
        await volumes.setUpPod(pod, { podIP: knownIP, hostIP });
      } catch (err) {
        if (!this.#plugins.isVolumeError(err)) throw err;
        this.#recordEvent(pod, { type: 'Warning', reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}` });
        const status = buildPodStatus(pod, before, this.#plugins.probes?.results(uid) ?? {}, { now: Date.now(), hostIP });
        await this.#status.setStatus(pod, status);
        return { requeueAfterMs: 2000 };
      }
    }
    const res = await syncPod(pod, {
      runtime: this.runtime, backoff: this.#backoff, imageBackoff: this.#imageBackoff, hostIP,
      env: { getConfigMap: (ns, n) => this.#sources.getConfigMap(ns, n), getSecret: (ns, n) => this.#sources.getSecret(ns, n), nodeAllocatable: this.#shape.allocatable },
      livenessFailed: this.#plugins.probes?.livenessFailed(uid),
      imagePresent: (image) => this.runtime.imageExists(image),
      ...(volumes ? { mountsFor: (p: Pod, ct: Parameters<typeof volumes.mountsFor>[1]) => volumes.mountsFor(p, ct) } : {}),
      allowPrivileged: this.#config.allowPrivileged,
      dns: { clusterDns: this.#config.clusterDns, clusterDomain: this.#config.clusterDomain, hostResolvConf: this.#hostResolvConf },
    });
    for (const ev of res.events) this.#recordEvent(pod, ev);
    const sandbox = findReadySandbox(res.runtimeStatus);
    const podIP = hostNetwork ? hostIP : sandbox?.ip ?? '';
    // The sandbox (and its IP) is new: rewrite the pod's files that carry the IP (etc-hosts, downward API).
    if (volumes && podIP && podIP !== knownIP && !finished) await volumes.setUpPod(pod, { podIP, hostIP }).catch((err) => this.#logger.debug({ err }, 'volume refresh failed'));
    const probes = this.#plugins.probes;
    if (probes) {
      const latest = new Map<string, { name: string; id: string; startedAt: number; running: boolean }>();
      for (const ct of res.runtimeStatus.containers) {
        if (!latest.has(ct.name)) latest.set(ct.name, { name: ct.name, id: ct.id, startedAt: ct.startedAt, running: ct.state === 'CONTAINER_RUNNING' });
      }
      probes.update(pod, podIP, [...latest.values()]);
    }
    const status = buildPodStatus(pod, res.runtimeStatus, probes?.results(uid) ?? {}, { now: Date.now(), hostIP, waiting: res.waiting });
    await this.#status.setStatus(pod, status);
    return { requeueAfterMs: Math.min(res.requeueAfterMs ?? POD_RESYNC_MS, POD_RESYNC_MS) };
  }

  /** deletionTimestamp set: preStop, SIGTERM, SIGKILL after the grace period, remove everything, then confirm. */
  async #terminatePod(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    if (!this.#killed.has(uid)) {
      const grace = getGracePeriodSeconds(pod);
      this.#logger.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, grace }, 'terminating pod');
      await killPodWithGrace(pod, grace, { runtime: this.runtime, logger: this.#logger, recordEvent: (p, ev) => this.#recordEvent(p, ev) });
      this.#killed.add(uid);
    }
    await this.#removePod(uid);
    try {
      await this.#client.delete(podsResource, pod.metadata?.namespace, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** The pod is gone from the apiserver (force-deleted, or deleted while we were down). */
  async #cleanupGonePod(uid: string): Promise<void> {
    const status = await getPodRuntimeStatus(this.runtime, uid);
    if (status.sandboxes.length > 0 || status.containers.length > 0) this.#logger.info({ podUid: uid }, 'removing containers of a pod that no longer exists');
    await this.#removePod(uid);
    this.#killed.delete(uid);
    this.#status.forget(uid);
  }

  async #removePod(uid: string): Promise<void> {
    this.#plugins.probes?.removePod(uid);
    await removePodResources(this.runtime, uid);
    await this.#plugins.volumes?.tearDownPod(uid);
  }
}

/**
 * One real node on Docker: the Kubelet over a DockerRuntime, with what only a real node has —
 * informers scoped to this node, volumes and probes, preStop exec, Events, the kubelet API
 * (HTTPS), /healthz and /metrics, a Ready condition that follows Docker's health, and
 * housekeeping (orphans, container and image garbage collection). Everything the kubelet knows
 * about running pods is read back from Docker's labels, so a restarted kubelet adopts its
 * containers instead of restarting them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findResource, type Node, type Pod, type Service } from '@skiff/api';
import { EventRecorder, Informer, RestClient, sleep } from '@skiff/client';
import { serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import { PAUSE_IMAGE } from '@skiff/images';
import { followKeyPair } from '@skiff/pki';
import type { KubeletConfig } from '../config.ts';
import { DockerRuntime } from '../docker-runtime.ts';
import { runInContainer } from '../docker/docker-streams.ts';
import { enableHairpinMode, HostPortIptables, HostPortSyncer } from '../hostports/index.ts';
import type { NodeShape } from '../node-status.ts';
import type { PodEvent } from '../pod-sync/sync-pod.ts';
import { ClientCertificateManager, hasClientCertificate } from '../certificates/client-certificate.ts';
import { ServingCertificateManager } from '../certificates/serving-certificate.ts';
import { StatsCollector, startKubeletServer } from '../server/index.ts';
import { refreshFractionFromEnv, TEST_TOKEN_REFRESH_FRACTION_ENV, TokenManager } from '../volumes/index.ts';
import { ApiSources, createTokenRequester } from './api-sources.ts';
import { createDockerClient } from './docker-client.ts';
import { collectContainers, collectImages } from './garbage-collector.ts';
import { Kubelet } from './kubelet.ts';
import { createKubeletMetrics, type KubeletMetrics } from './kubelet-metrics.ts';
import { buildNodeShape, detectNodeIp } from './node-info.ts';
import { loadPlugins } from './plugins.ts';
import type { ContainerExec } from './termination.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;
const podsResource = findResource('', 'v1', 'pods')!;
const servicesResource = findResource('', 'v1', 'services')!;
const HOUSEKEEPING_MS = 10_000;
const RUNTIME_DOWN = { reason: 'KubeletNotReady', message: 'container runtime is down' };
/** How long start-up waits for the Services list before syncing pods (their env needs it; pods retry without). */
const SERVICES_SYNC_WAIT_MS = 5_000;

export interface DockerKubeletOptions {
  config: KubeletConfig;
  logger: Logger;
}

export class DockerKubelet {
  readonly #config: KubeletConfig;
  readonly #logger: Logger;
  readonly #client: RestClient;
  readonly runtime: DockerRuntime;
  readonly #podInformer: Informer<Pod>;
  readonly #nodeInformer: Informer<Node>;
  /** Every Service, for containers' KUBERNETES_SERVICE_HOST and service-link variables. */
  readonly #serviceInformer: Informer<Service>;
  readonly #recorder: EventRecorder;
  readonly #metrics: KubeletMetrics;
  #shape!: NodeShape;
  #kubelet!: Kubelet;
  /** Publishes pods' hostPorts with iptables DNAT (portmap's job). */
  #hostPorts!: HostPortSyncer;
  #runtimeUp = false;

  constructor(opts: DockerKubeletOptions) {
    this.#config = opts.config;
    this.#logger = opts.logger.child({ node: opts.config.nodeName });
    const c = this.#config;
    this.#client = RestClient.fromKubeconfig(c.kubeconfig, { userAgent: `skiff-kubelet/${c.nodeName}` });
    this.runtime = new DockerRuntime({
      docker: createDockerClient(c.dockerHost),
      logger: this.#logger,
      nodeName: c.nodeName,
      networkName: c.networkName,
      allowPrivileged: c.allowPrivileged,
    });
    this.#podInformer = new Informer<Pod>({ client: this.#client, resource: podsResource, fieldSelector: `spec.nodeName=${c.nodeName}`, logger: this.#logger });
    this.#nodeInformer = new Informer<Node>({
      client: this.#client,
      resource: nodesResource,
      fieldSelector: `metadata.name=${c.nodeName}`,
      logger: this.#logger,
    });
    this.#serviceInformer = new Informer<Service>({ client: this.#client, resource: servicesResource, logger: this.#logger });
    this.#recorder = new EventRecorder(this.#client, { component: 'kubelet', host: c.nodeName, logger: this.#logger });
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
    await this.#rotateClientCertificate(signal);
    const runtimeVersion = await this.runtime.version().then(
      (v) => `docker://${v.runtimeVersion}`,
      () => 'docker://unknown',
    );
    this.#runtimeUp = runtimeVersion !== 'docker://unknown';
    const hostResolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    this.#shape = buildNodeShape({
      nodeName: c.nodeName,
      nodeIp: c.nodeIp || detectNodeIp(),
      maxPods: c.maxPods,
      labels: c.nodeLabels,
      systemReserved: c.systemReserved,
      runtimeVersion,
      kubeletPort: c.port,
    });
    // Given at join: recorded on the Node so routes and kube-proxy see it as if the node-ipam controller set it.
    if (c.podCidr) this.#shape.podCidr = c.podCidr;
    if (!this.#runtimeUp) this.#shape.notReady = RUNTIME_DOWN;
    const exec: ContainerExec = async (id, command, timeoutMs) => {
      const r = await runInContainer(this.runtime.docker, id, command, timeoutMs);
      return { exitCode: r.exitCode, output: r.stdout + r.stderr };
    };
    const recordEvent = (pod: Pod, ev: PodEvent) => this.#recordEvent(pod, ev);
    const sources = new ApiSources(this.#client);
    const refreshFraction = refreshFractionFromEnv();
    if (refreshFraction !== undefined)
      this.#logger.warn({ [TEST_TOKEN_REFRESH_FRACTION_ENV]: refreshFraction }, 'TEST SETTING: service account tokens refresh early');
    const tokens = new TokenManager({
      requestToken: createTokenRequester(this.#client),
      logger: this.#logger,
      ...(refreshFraction !== undefined ? { refreshFraction } : {}),
    });
    const plugins = await loadPlugins({
      rootDir: c.rootDir,
      sources,
      tokens,
      logger: this.#logger,
      probes: { logger: this.#logger, exec, onChange: (uid) => this.#kubelet.syncPod(uid), recordEvent },
    });
    this.#kubelet = new Kubelet({
      shape: this.#shape,
      runtime: this.runtime,
      client: this.#client,
      logger: this.#logger,
      getNode: () => this.#nodeInformer.get(undefined, c.nodeName),
      sources,
      services: this.#serviceInformer,
      recordEvent,
      plugins,
      exec,
      podCidr: c.podCidr,
      allowPrivileged: c.allowPrivileged,
      dns: { clusterDns: c.clusterDns, clusterDomain: c.clusterDomain, hostResolvConf },
      seccompProfileRoot: join(c.rootDir, 'seccomp'),
      imagePresent: (image) => this.runtime.imageExists(image),
      onSync: (result, seconds) => {
        this.#metrics.podSyncs.inc({ result });
        this.#metrics.podSyncDuration.observe(seconds);
      },
    });

    this.#hostPorts = new HostPortSyncer({
      logger: this.#logger.child({ part: 'hostports' }),
      listPods: () => this.#podInformer.list(),
      runtime: this.runtime,
      podCidr: () => this.#kubelet.podCidr,
      iptables: new HostPortIptables(),
      recordEvent,
      enableHairpin: async () => {
        await enableHairpinMode(await this.#podBridgeName());
      },
      onSync: (result, mappings) => {
        this.#metrics.hostPortSyncs.inc({ result });
        this.#metrics.hostPortMappings.set(mappings);
      },
    });

    let healthz: MetricsServer | undefined;
    const servers: { close(): Promise<void> }[] = [];
    try {
      if (c.healthzPort > 0) healthz = await serveMetrics(this.#metrics.registry, c.healthzPort, '127.0.0.1', () => !signal.aborted);
      servers.push(await this.#startApiServer(signal));
      this.#wireInformers();
      this.#nodeInformer.start(signal);
      this.#podInformer.start(signal);
      this.#serviceInformer.start(signal);
      await this.#register(signal);
      if (signal.aborted) return;
      await Promise.race([
        Promise.all([this.#podInformer.waitForSync(), this.#nodeInformer.waitForSync()]),
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      if (signal.aborted) return;
      await Promise.race([this.#serviceInformer.waitForSync(), sleep(SERVICES_SYNC_WAIT_MS, signal)]);
      if (signal.aborted) return;
      await this.#kubelet.ensurePodCidr().catch((err) => this.#logger.warn({ err }, 'pod CIDR not applied yet'));
      this.#logger.info(
        { ip: this.#shape.internalIp, podCidr: this.#kubelet.podCidr, runtime: runtimeVersion, pods: this.#kubelet.podCount },
        'kubelet running',
      );
      this.#kubelet.syncAll();
      // Pods deleted while the kubelet was down: their containers go now, not at the first housekeeping.
      if (this.#runtimeUp) await this.#kubelet.cleanupOrphans().catch((err) => this.#logger.warn({ err }, 'orphan cleanup failed'));
      await Promise.all([this.#leaseLoop(signal), this.#nodeStatusLoop(signal), this.#housekeepingLoop(signal), this.#hostPorts.run(signal)]);
    } finally {
      await this.#kubelet.stop();
      await this.#recorder.flush();
      await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
      await healthz?.close();
      this.#client.close();
    }
  }

  /** The Linux bridge of the pod network: the network's name when Docker was told so (bridge-network.ts), else br-<id>. */
  async #podBridgeName(): Promise<string> {
    const info = (await this.runtime.docker.getNetwork(this.#config.networkName).inspect()) as { Id: string; Options?: Record<string, string> };
    return info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
  }

  /**
   * --rotate-certificates: the renewed client certificate kept in <root-dir>/pki is presented from
   * the first request on, and renewed before it expires (certificates/client-certificate.ts).
   */
  async #rotateClientCertificate(signal: AbortSignal): Promise<void> {
    const c = this.#config;
    if (!c.rotateCertificates) return;
    if (!hasClientCertificate(this.#client)) {
      this.#logger.info('the kubeconfig has no client certificate: nothing to rotate');
      return;
    }
    const certificates = new ClientCertificateManager({
      client: this.#client,
      nodeName: c.nodeName,
      rootDir: c.rootDir,
      logger: this.#logger.child({ part: 'client-certificate' }),
    });
    await certificates.load();
    void certificates.run(signal);
  }

  /** The kubelet API (apps/kubelet/src/server): logs, exec/attach/port-forward and stats for the apiserver. */
  async #startApiServer(signal: AbortSignal): Promise<{ close(): Promise<void> }> {
    const c = this.#config;
    const collector = new StatsCollector({ runtime: this.runtime, nodeName: c.nodeName, logger: this.#logger });
    const server = await startKubeletServer(
      {
        address: c.address,
        port: c.port,
        certFile: c.tlsCertFile || undefined,
        keyFile: c.tlsPrivateKeyFile || undefined,
        clientCaFile: c.clientCaFile || undefined,
        rootDir: c.rootDir,
        nodeName: c.nodeName,
        authorizationMode: c.authorizationMode,
      },
      {
        logger: this.#logger,
        runtime: this.runtime,
        findPod: (ns, name) => this.findPod(ns, name),
        stats: () => collector.summary(),
        postReview: (path, body) => this.#client.request('POST', path, { body }),
      },
    );
    // Usage is sampled in the background from now on, so /stats/summary answers from memory.
    collector.start();
    // A serving certificate given as files is renewed on disk by the server role's renewer: follow it.
    const unfollow =
      c.tlsCertFile && c.tlsPrivateKeyFile
        ? followKeyPair(
            { cert: c.tlsCertFile, key: c.tlsPrivateKeyFile },
            (pair) => server.setServingCertificate({ cert: pair.cert.toString(), key: pair.key.toString() }),
            { logger: this.#logger, what: 'kubelet serving' },
          )
        : () => undefined;
    if (!c.tlsCertFile && c.rotateServerCertificates) {
      const certificates = new ServingCertificateManager({
        client: this.#client,
        nodeName: c.nodeName,
        rootDir: c.rootDir,
        logger: this.#logger.child({ part: 'serving-certificate' }),
        getNode: () => this.#nodeInformer.get(undefined, c.nodeName),
        onCertificate: (pair) => server.setServingCertificate(pair),
      });
      void certificates.run(signal);
    }
    return {
      close: async () => {
        unfollow();
        await collector.stop();
        await server.close();
      },
    };
  }

  #wireInformers(): void {
    this.#podInformer.onAdd((pod) => this.#kubelet.podUpdated(pod));
    this.#podInformer.onUpdate((_old, pod) => this.#kubelet.podUpdated(pod));
    this.#podInformer.onDelete((pod) => this.#kubelet.podDeleted(pod));
    // The sandbox's address reaches the pod's status after it is ready, and a pod's deletion comes
    // after its sandbox stopped: these events are when the hostPort rules change.
    this.#podInformer.onAdd((pod) => this.#hostPorts.podChanged(pod));
    this.#podInformer.onUpdate((old, pod) => this.#hostPorts.podChanged(pod, old));
    this.#podInformer.onDelete((pod) => this.#hostPorts.podChanged(pod));
    this.#nodeInformer.onUpdate((old, node) => {
      if (old.spec?.podCIDR !== node.spec?.podCIDR) this.#kubelet.podCidrChanged();
    });
  }

  async #register(signal: AbortSignal): Promise<void> {
    for (let backoff = 500; !signal.aborted; backoff = Math.min(backoff * 2, 10_000)) {
      try {
        await this.#kubelet.node.register();
        await this.#kubelet.node.renewLease();
        if (this.#config.podCidr) {
          const node = await this.#client.get<Node>(nodesResource, undefined, this.#config.nodeName);
          // A Node registered before (without the flag) gets it now.
          if (!node.spec?.podCIDR) {
            await this.#client.patch(nodesResource, undefined, this.#config.nodeName, 'merge', {
              spec: { podCIDR: this.#config.podCidr, podCIDRs: [this.#config.podCidr] },
            });
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

  async #leaseLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#kubelet.node.renewLease().catch((err) => this.#logger.warn({ err }, 'lease renewal failed'));
      await sleep(this.#config.heartbeatIntervalMs, signal);
    }
  }

  /** Ready follows Docker: a failed ping turns the node NotReady until it answers again. */
  async #nodeStatusLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const up = await this.runtime.docker.ping().then(
        () => true,
        () => false,
      );
      if (up !== this.#runtimeUp) {
        this.#logger.warn({ up }, up ? 'container runtime is back' : 'container runtime is down');
        this.#runtimeUp = up;
        if (up) {
          // A restarted engine: re-check the network and sync every pod now.
          this.#kubelet.resetPodCidr();
          await this.#kubelet.ensurePodCidr().catch((err) => this.#logger.warn({ err }, 'pod CIDR not applied'));
          this.#kubelet.syncAll();
        }
      }
      if (up) delete this.#shape.notReady;
      else this.#shape.notReady = RUNTIME_DOWN;
      await this.#kubelet.node.syncNodeStatus(!up).catch((err) => this.#logger.warn({ err }, 'node status update failed'));
      await sleep(this.#config.nodeStatusUpdateFrequencyMs, signal);
    }
  }

  async #housekeepingLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(HOUSEKEEPING_MS, signal);
      if (signal.aborted || !this.#runtimeUp) continue;
      try {
        if (this.#podInformer.hasSynced()) await this.#kubelet.cleanupOrphans();
        await collectContainers(this.runtime, { maxPerPod: this.#config.maxDeadContainersPerPod, maxTotal: this.#config.maxDeadContainers }, this.#logger);
        if (this.#config.imageGc) await collectImages(this.runtime, PAUSE_IMAGE, this.#logger);
        await this.#updateGauges();
      } catch (err) {
        this.#logger.warn({ err }, 'housekeeping failed');
      }
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
    this.#recorder.event(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: m.name, namespace: m.namespace, uid: m.uid }, ...(ev.fieldPath ? { fieldPath: ev.fieldPath } : {}) },
      ev.type,
      ev.reason,
      ev.message,
    );
  }
}

/**
 * The kubelet of one node, over any ContainerRuntime — Docker for a real node, the fake runtime
 * for hollow nodes. Shaped after the kubelet's own structure: pod events feed per-pod workers
 * (pod-workers.ts) that run the level-triggered syncPod, the status manager writes pod status,
 * and a NodeAgent keeps the Node and its Lease. It owns no informer, timer loop or server: the
 * Docker node (docker-kubelet.ts) gives it its own informers and loops, the hollow process
 * (hollow-kubelet.ts) dispatches its shared informers to many of these. What a node cannot do
 * (volumes and probes on disk and network, preStop exec, events) is plugged in per instance.
 */
import type { Node, Pod } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { LABEL_POD_UID, type ContainerRuntime } from '../container-runtime.ts';
import { NodeAgent } from '../node-agent.ts';
import type { NodeShape } from '../node-status.ts';
import { Backoff } from '../pod-sync/backoff.ts';
import { findReadySandbox, getPodRuntimeStatus } from '../pod-sync/container-status.ts';
import type { EnvSources } from '../pod-sync/env.ts';
import type { ServiceLister } from '../pod-sync/env-services.ts';
import type { ClusterDnsSettings } from '../pod-sync/pod-dns.ts';
import { buildPodStatus } from '../pod-sync/pod-status.ts';
import { removePodResources, syncPod, type PodEvent } from '../pod-sync/sync-pod.ts';
import { checkPodSysctls, SYSCTL_FORBIDDEN_REASON } from '../pod-sync/sysctls.ts';
import type { LoadedPlugins } from './plugins.ts';
import { PodWorkers } from './pod-workers.ts';
import { StatusManager } from './status-manager.ts';
import { confirmPodDeletion, getGracePeriodSeconds, killPodWithGrace, type ContainerExec } from './termination.ts';

/** Every pod is synced at least this often (kubelet's resync interval). */
export const POD_RESYNC_MS = 10_000;

export interface KubeletOptions {
  shape: NodeShape;
  runtime: ContainerRuntime;
  /** For pods: status writes, deletion confirmations. */
  client: Pick<RestClient, 'get' | 'create' | 'update' | 'patch' | 'delete'>;
  /** For the Node and its Lease, when they must not queue behind pod calls (default: client). */
  nodeClient?: Pick<RestClient, 'get' | 'create' | 'update' | 'patch' | 'delete'>;
  logger: Logger;
  /** The Node as the (own or shared) node informer sees it. */
  getNode: () => Node | undefined;
  /** ConfigMaps and Secrets for env (may be shared by many nodes). */
  sources: Pick<EnvSources, 'getConfigMap' | 'getSecret'>;
  /**
   * Services for containers' KUBERNETES_SERVICE_HOST and service-link variables (a cluster-wide
   * informer); absent: containers get none (hollow nodes, whose containers never read them).
   */
  services?: ServiceLister;
  /** Absent: events are only logged at debug. */
  recordEvent?: (pod: Pod, ev: PodEvent) => void;
  /** Volumes and probes; absent: pods run without them (hollow nodes). */
  plugins?: LoadedPlugins;
  /** Exec into containers for preStop hooks; absent: hooks are skipped. */
  exec?: ContainerExec;
  /** The pod CIDR given by flag; otherwise the Node's spec.podCIDR. */
  podCidr?: string;
  allowPrivileged?: boolean;
  dns?: ClusterDnsSettings;
  /** Where Localhost seccomp profiles live (`<root-dir>/seccomp`). */
  seccompProfileRoot?: string;
  imagePresent?: (image: string) => Promise<boolean>;
  resyncMs?: number;
  /** Called after every pod sync pass (metrics). */
  onSync?: (result: 'success' | 'error', seconds: number) => void;
}

export class Kubelet {
  readonly name: string;
  /** Registration, Lease and node status. */
  readonly node: NodeAgent;
  readonly runtime: ContainerRuntime;
  readonly #opts: KubeletOptions;
  readonly #logger: Logger;
  readonly #pods = new Map<string, Pod>();
  readonly #workers: PodWorkers;
  readonly #status: StatusManager;
  readonly #backoff = new Backoff();
  readonly #imageBackoff = new Backoff();
  /** Pods whose containers were stopped for a deletion (preStop runs once). */
  readonly #killed = new Set<string>();
  #podCidr = '';
  #ensuring: Promise<boolean> | undefined;

  constructor(opts: KubeletOptions) {
    this.#opts = opts;
    this.name = opts.shape.name;
    this.runtime = opts.runtime;
    this.#logger = opts.logger;
    this.node = new NodeAgent({ shape: opts.shape, client: opts.nodeClient ?? opts.client, getNode: opts.getNode, logger: opts.logger });
    this.#workers = new PodWorkers((uid) => this.#syncPodWork(uid), opts.logger);
    this.#status = new StatusManager(opts.client, opts.logger);
  }

  /** Pods bound to this node that the kubelet knows. */
  get podCount(): number {
    return this.#pods.size;
  }

  get podCidr(): string {
    return this.#podCidr;
  }

  /** A pod bound to this node was added or changed: sync it. */
  podUpdated(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.#pods.set(uid, pod);
    this.#workers.update(uid);
  }

  /** A pod is gone from the apiserver: its worker removes what the runtime still holds. */
  podDeleted(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.#pods.delete(uid);
    this.#workers.update(uid);
  }

  /** Syncs the pod now (a probe result changed). */
  syncPod(uid: string): void {
    this.#workers.update(uid);
  }

  /** Syncs every known pod now (pod CIDR arrived, runtime came back). */
  syncAll(): void {
    for (const uid of this.#pods.keys()) this.#workers.update(uid);
  }

  /** The Node's pod CIDR changed: apply it and sync every pod. */
  podCidrChanged(): void {
    void this.ensurePodCidr().then(
      () => this.syncAll(),
      () => undefined,
    );
  }

  /** Forgets the applied pod CIDR (a restarted engine lost its network), so the next sync applies it again. */
  resetPodCidr(): void {
    this.#podCidr = '';
  }

  /** Single-flight: the node informer and the pod workers may ask at the same moment. */
  ensurePodCidr(): Promise<boolean> {
    this.#ensuring ??= this.#applyPodCidr().finally(() => {
      this.#ensuring = undefined;
    });
    return this.#ensuring;
  }

  async #applyPodCidr(): Promise<boolean> {
    const cidr = this.#opts.podCidr || this.#opts.getNode()?.spec?.podCIDR || '';
    if (!cidr) return false;
    if (cidr !== this.#podCidr) {
      await this.runtime.updateRuntimeConfig({ podCidr: cidr });
      this.#podCidr = cidr;
      this.#logger.info({ podCidr: cidr }, 'pod CIDR applied');
    }
    return true;
  }

  /** Containers and volume dirs of pods the apiserver no longer has (deleted while we were down): their workers clean up. */
  async cleanupOrphans(): Promise<void> {
    const uids = new Set<string>();
    for (const s of await this.runtime.listPodSandboxes()) uids.add(s.metadata.uid);
    for (const ct of await this.runtime.listContainers()) uids.add(ct.labels[LABEL_POD_UID] ?? '');
    for (const uid of (await this.#opts.plugins?.volumes?.listPodUids()) ?? []) uids.add(uid);
    const working = new Set(this.#workers.uids);
    for (const uid of uids) {
      if (uid && !this.#pods.has(uid) && !working.has(uid)) this.#workers.update(uid);
    }
  }

  /** Tells the apiserver the pod's containers are gone (a process stopping its hollow nodes). */
  confirmDeletion(pod: Pod): Promise<void> {
    return confirmPodDeletion(this.#opts.client, pod);
  }

  /** Stops scheduling syncs; resolves when none runs. */
  async stop(): Promise<void> {
    await this.#workers.stop();
    this.#opts.plugins?.probes?.stop();
  }

  #recordEvent(pod: Pod, ev: PodEvent): void {
    if (this.#opts.recordEvent) this.#opts.recordEvent(pod, ev);
    else this.#logger.debug({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, reason: ev.reason }, ev.message);
  }

  async #syncPodWork(uid: string): Promise<{ requeueAfterMs?: number; done?: boolean }> {
    const started = process.hrtime.bigint();
    let result: 'success' | 'error' = 'success';
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
      this.#opts.onSync?.(result, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async #syncRunningPod(pod: Pod): Promise<{ requeueAfterMs?: number }> {
    const opts = this.#opts;
    const uid = pod.metadata!.uid!;
    const hostNetwork = Boolean(pod.spec?.hostNetwork);
    if (!hostNetwork && !(await this.ensurePodCidr())) return { requeueAfterMs: 1000 };
    const hostIP = opts.shape.internalIp;
    const before = await getPodRuntimeStatus(this.runtime, uid);
    // Admission (upstream's canAdmitPod, sysctl part): a pod that never ran and asks for an unsafe
    // sysctl is rejected, Failed with the reason, as the kubelet's rejectPod does.
    const forbidden = before.sandboxes.length === 0 && pod.status?.phase !== 'Failed' ? checkPodSysctls(pod) : undefined;
    if (forbidden) {
      this.#recordEvent(pod, { type: 'Warning', reason: forbidden.reason, message: forbidden.message });
      await this.#status.setStatus(pod, { phase: 'Failed', reason: forbidden.reason, message: `Pod was rejected: ${forbidden.message}` });
      return {};
    }
    if (pod.status?.phase === 'Failed' && pod.status.reason === SYSCTL_FORBIDDEN_REASON) return {};
    const knownIP = hostNetwork ? hostIP : (findReadySandbox(before)?.ip ?? '');
    const { volumes, probes } = opts.plugins ?? {};
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (volumes && !finished) {
      try {
        await volumes.setUpPod(pod, { podIP: knownIP, hostIP });
      } catch (err) {
        if (!opts.plugins!.isVolumeError(err)) throw err;
        this.#recordEvent(pod, { type: 'Warning', reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}` });
        const status = buildPodStatus(pod, before, probes?.results(uid) ?? {}, { now: Date.now(), hostIP, lastWritten: this.#status.lastWritten(uid) });
        await this.#status.setStatus(pod, status);
        return { requeueAfterMs: 2000 };
      }
    }
    const res = await syncPod(pod, {
      runtime: this.runtime,
      backoff: this.#backoff,
      imageBackoff: this.#imageBackoff,
      hostIP,
      env: {
        getConfigMap: (ns, n) => opts.sources.getConfigMap(ns, n),
        getSecret: (ns, n) => opts.sources.getSecret(ns, n),
        nodeAllocatable: opts.shape.allocatable,
        ...(opts.services ? { services: opts.services } : {}),
      },
      livenessFailed: probes?.livenessFailed(uid),
      ...(opts.imagePresent ? { imagePresent: opts.imagePresent } : {}),
      ...(volumes ? { mountsFor: (p: Pod, ct: Parameters<typeof volumes.mountsFor>[1]) => volumes.mountsFor(p, ct) } : {}),
      allowPrivileged: opts.allowPrivileged ?? false,
      ...(opts.dns ? { dns: opts.dns } : {}),
      ...(opts.seccompProfileRoot ? { seccompProfileRoot: opts.seccompProfileRoot } : {}),
    });
    for (const ev of res.events) this.#recordEvent(pod, ev);
    const sandbox = findReadySandbox(res.runtimeStatus);
    const podIP = hostNetwork ? hostIP : (sandbox?.ip ?? '');
    // The sandbox (and its IP) is new: rewrite the pod's files that carry the IP (etc-hosts, downward API).
    if (volumes && podIP && podIP !== knownIP && !finished)
      await volumes.setUpPod(pod, { podIP, hostIP }).catch((err) => this.#logger.debug({ err }, 'volume refresh failed'));
    if (probes) {
      const latest = new Map<string, { name: string; id: string; startedAt: number; running: boolean }>();
      for (const ct of res.runtimeStatus.containers) {
        if (!latest.has(ct.name)) latest.set(ct.name, { name: ct.name, id: ct.id, startedAt: ct.startedAt, running: ct.state === 'CONTAINER_RUNNING' });
      }
      probes.update(pod, podIP, [...latest.values()]);
    }
    const status = buildPodStatus(pod, res.runtimeStatus, probes?.results(uid) ?? {}, {
      now: Date.now(),
      hostIP,
      waiting: res.waiting,
      lastWritten: this.#status.lastWritten(uid),
    });
    await this.#status.setStatus(pod, status);
    const resync = opts.resyncMs ?? POD_RESYNC_MS;
    return { requeueAfterMs: Math.min(res.requeueAfterMs ?? resync, resync) };
  }

  /** deletionTimestamp set: preStop, SIGTERM, SIGKILL after the grace period, remove everything, then confirm. */
  async #terminatePod(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    if (!this.#killed.has(uid)) {
      const grace = getGracePeriodSeconds(pod);
      this.#logger.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, grace }, 'terminating pod');
      await killPodWithGrace(pod, grace, {
        runtime: this.runtime,
        logger: this.#logger,
        recordEvent: (p, ev) => this.#recordEvent(p, ev),
        ...(this.#opts.exec ? { exec: this.#opts.exec } : {}),
      });
      this.#killed.add(uid);
    }
    await this.#removePod(uid);
    await confirmPodDeletion(this.#opts.client, pod);
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
    this.#opts.plugins?.probes?.removePod(uid);
    await removePodResources(this.runtime, uid);
    await this.#opts.plugins?.volumes?.tearDownPod(uid);
  }
}

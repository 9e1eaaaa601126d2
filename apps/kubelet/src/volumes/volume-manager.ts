/**
 * The kubelet's volume manager, reduced to what a single node running Docker needs: setUpPod
 * prepares every volume of a pod on the host (idempotently, refreshing API-backed contents on
 * every sync), mountsFor turns a container's volumeMounts into Docker binds, and tearDownPod
 * removes it all. There is no attach/detach: every volume kind here is local to the node.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Container, Pod, Volume } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { Mount } from '../container-runtime.ts';
import { expandVars } from '../pod-sync/env.ts';
import { writeAtomically, type Payload } from './atomic-writer.ts';
import { chownTreeToGroup, getFsGroup, withGroupReadable } from './fs-group.ts';
import { buildConfigMapPayload, buildProjectedPayload, buildSecretPayload } from './configmap-secret.ts';
import { buildDownwardPayload, type DownwardInfo } from './downward-api.ts';
import { setUpEmptyDir } from './empty-dir.ts';
import { renderEtcHosts } from './etc-hosts.ts';
import { checkHostPathType } from './host-path.ts';
import { etcHostsPath, podDir, podsDir, terminationLogPath, volumeDir, type VolumePlugin } from './pod-dirs.ts';
import { resolveClaim, type ResolvedClaim } from './pvc.ts';
import { resolveSubPath } from './subpath.ts';
import { ensureTmpfs, unmountAllUnder } from './tmpfs.ts';
import { describeError, VolumeError } from './volume-error.ts';
import type { VolumeSources } from './volume-sources.ts';
import type { ServiceAccountTokens } from './service-account-token.ts';

export interface VolumeManagerOptions {
  rootDir: string;
  sources: VolumeSources;
  logger: Logger;
  /** For the pod's FQDN in /etc/hosts when spec.subdomain is set. */
  clusterDomain?: string;
  /** Node allocatable, for downwardAPI resourceFieldRef limits a container leaves unset. */
  nodeAllocatable?: () => Record<string, string> | undefined;
  /** Service-account tokens for projected serviceAccountToken sources; absent: such volumes fail. */
  tokens?: ServiceAccountTokens;
}

/** API-data volumes are always mounted read-only, as the kubelet does since 1.9.4. */
function isApiDataVolume(v: Volume): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected);
}

export class VolumeManager {
  private readonly rootDir: string;
  private readonly sources: VolumeSources;
  private readonly logger: Logger;
  private readonly clusterDomain: string;
  private readonly nodeAllocatable: () => Record<string, string> | undefined;
  private readonly tokens: ServiceAccountTokens | undefined;
  /** Claims resolved by setUpPod, per pod uid and volume name: mountsFor is synchronous. */
  private readonly claims = new Map<string, Map<string, ResolvedClaim>>();

  constructor(opts: VolumeManagerOptions) {
    this.rootDir = opts.rootDir;
    this.sources = opts.sources;
    this.logger = opts.logger;
    this.clusterDomain = opts.clusterDomain ?? 'cluster.local';
    this.nodeAllocatable = opts.nodeAllocatable ?? (() => undefined);
    this.tokens = opts.tokens;
  }

  /**
   * Prepares every volume of the pod and writes its /etc/hosts. Every volume is attempted; the
   * first failure is then thrown as a VolumeError (the others are logged), so a pod with one
   * missing ConfigMap still has its other volumes ready when the ConfigMap arrives.
   */
  async setUpPod(pod: Pod, info: { podIP: string; hostIP: string }): Promise<void> {
    const uid = requireUid(pod);
    const key = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
    await mkdir(podDir(this.rootDir, uid), { recursive: true, mode: 0o750 });
    this.writeEtcHosts(pod, info.podIP);
    const failures: VolumeError[] = [];
    for (const volume of pod.spec?.volumes ?? []) {
      try {
        await this.setUpVolume(pod, volume, info);
      } catch (err) {
        const verr = err instanceof VolumeError ? err : new VolumeError(volume.name, describeError(err), { cause: err });
        this.logger.warn({ pod: key, volume: volume.name, err: verr.message }, 'volume set-up failed');
        failures.push(verr);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  mountsFor(pod: Pod, container: Container): Mount[] {
    const uid = requireUid(pod);
    const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
    const mounts: Mount[] = [];
    for (const vm of container.volumeMounts ?? []) {
      const volume = volumes.get(vm.name);
      if (!volume) throw new VolumeError(vm.name, `volume "${vm.name}" is not defined in the pod spec`);
      const { path, readOnly } = this.volumeHostPath(uid, volume);
      let hostPath = path;
      const subPath = vm.subPath || (vm.subPathExpr ? expandSubPathExpr(vm.subPathExpr, container) : '');
      if (subPath) {
        try {
          // API-data volumes are rewritten by the atomic writer: nothing may be created inside them.
          hostPath = resolveSubPath(path, subPath, { create: !isApiDataVolume(volume) });
        } catch (err) {
          throw new VolumeError(vm.name, describeError(err), { cause: err });
        }
      }
      mounts.push({ hostPath, containerPath: vm.mountPath, readOnly: vm.readOnly === true || readOnly || isApiDataVolume(volume) });
    }
    const mounted = new Set(mounts.map((m) => m.containerPath));
    if (!pod.spec?.hostNetwork && !mounted.has('/etc/hosts')) {
      const hosts = etcHostsPath(this.rootDir, uid);
      if (!existsSync(hosts)) this.writeEtcHosts(pod, '');
      mounts.push({ hostPath: hosts, containerPath: '/etc/hosts', readOnly: false });
    }
    const terminationPath = container.terminationMessagePath ?? '/dev/termination-log';
    if (terminationPath && !mounted.has(terminationPath)) {
      const file = this.terminationMessageFile(uid, container.name);
      ensureFile(file);
      mounts.push({ hostPath: file, containerPath: terminationPath, readOnly: false });
    }
    return mounts;
  }

  /** Where a container's terminationMessagePath lands on the host (the kubelet reads it after exit). */
  terminationMessageFile(podUid: string, containerName: string): string {
    return terminationLogPath(this.rootDir, podUid, containerName);
  }

  async tearDownPod(podUid: string): Promise<void> {
    const dir = podDir(this.rootDir, podUid);
    this.claims.delete(podUid);
    this.tokens?.deletePodTokens(podUid);
    if (!existsSync(dir)) return;
    // Unmount first: rm must never walk into a tmpfs that is still mounted (or anything below it).
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }

  async listPodUids(): Promise<string[]> {
    const entries = await readdir(podsDir(this.rootDir), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  private async setUpVolume(pod: Pod, volume: Volume, info: { podIP: string; hostIP: string }): Promise<void> {
    const uid = requireUid(pod);
    const dir = (plugin: VolumePlugin) => volumeDir(this.rootDir, uid, plugin, volume.name);
    const downward: DownwardInfo = { ...info, nodeAllocatable: this.nodeAllocatable() };
    const fsGroup = getFsGroup(pod);
    if (volume.emptyDir) return setUpEmptyDir(dir('empty-dir'), volume.emptyDir, fsGroup);
    if (volume.hostPath) return checkHostPathType(volume.hostPath.path, volume.hostPath.type);
    if (volume.configMap) return this.project(pod, volume, dir('configmap'), () => buildConfigMapPayload(pod, volume.configMap!, this.sources), false);
    if (volume.secret) return this.project(pod, volume, dir('secret'), () => buildSecretPayload(pod, volume.secret!, this.sources), true);
    if (volume.downwardAPI) return this.project(pod, volume, dir('downward-api'), async () => buildDownwardPayload(pod, volume.downwardAPI!, downward), false);
    if (volume.projected) {
      // Projected volumes carry secrets as often as not: keep them off the disk like secret volumes.
      return this.project(pod, volume, dir('projected'), () => buildProjectedPayload(pod, volume.projected!, this.sources, downward, this.tokens), true);
    }
    if (volume.persistentVolumeClaim) {
      const claim = await resolveClaim(pod, volume.persistentVolumeClaim, this.sources);
      let perPod = this.claims.get(uid);
      if (!perPod) this.claims.set(uid, (perPod = new Map()));
      perPod.set(volume.name, claim);
      return;
    }
    throw new VolumeError(
      volume.name,
      'unsupported volume type (this kubelet mounts emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim)',
    );
  }

  private async project(pod: Pod, volume: Volume, dir: string, build: () => Promise<Payload>, onTmpfs: boolean): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (onTmpfs) await ensureTmpfs(dir);
    const fsGroup = getFsGroup(pod);
    const built = await build();
    const payload = fsGroup === undefined ? built : withGroupReadable(built);
    const wrote = await writeAtomically(dir, payload);
    if (fsGroup !== undefined) await chownTreeToGroup(dir, fsGroup);
    if (wrote) {
      this.logger.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, volume: volume.name, files: payload.size }, 'volume contents written');
    }
  }

  private volumeHostPath(uid: string, volume: Volume): { path: string; readOnly: boolean } {
    const dir = (plugin: VolumePlugin) => ({ path: volumeDir(this.rootDir, uid, plugin, volume.name), readOnly: false });
    if (volume.emptyDir) return dir('empty-dir');
    if (volume.hostPath) return { path: volume.hostPath.path, readOnly: false };
    if (volume.configMap) return dir('configmap');
    if (volume.secret) return dir('secret');
    if (volume.downwardAPI) return dir('downward-api');
    if (volume.projected) return dir('projected');
    if (volume.persistentVolumeClaim) {
      const claim = this.claims.get(uid)?.get(volume.name);
      if (!claim) throw new VolumeError(volume.name, `persistentvolumeclaim "${volume.persistentVolumeClaim.claimName}" is not set up yet`);
      return claim;
    }
    throw new VolumeError(volume.name, 'unsupported volume type');
  }

  /** Written in place (never renamed over): Docker binds the file's inode into running containers. */
  private writeEtcHosts(pod: Pod, podIP: string): void {
    const path = etcHostsPath(this.rootDir, requireUid(pod));
    const content = renderEtcHosts(pod, podIP, this.clusterDomain);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    // Without an IP yet, keep a file that already names the pod rather than dropping its line.
    if (current !== undefined && (current === content || (!podIP && current.startsWith(content.split('\n').slice(0, 7).join('\n'))))) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: 0o644 });
  }
}

function requireUid(pod: Pod): string {
  const uid = pod.metadata?.uid;
  if (!uid) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no uid`);
  return uid;
}

function ensureFile(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  closeSync(openSync(path, 'a', 0o666));
}

/** subPathExpr: $(VAR) from the container's literal env values (the kubelet's full env is not known here). */
function expandSubPathExpr(expr: string, container: Container): string {
  const vars = new Map<string, string>();
  for (const env of container.env ?? []) if (env.value !== undefined) vars.set(env.name, env.value);
  return expandVars(expr, vars);
}

/**
 * The kubelet's volume and probe managers (K2's apps/kubelet/src/volumes, K3's
 * apps/kubelet/src/probes), seen through the fixed contracts. They are loaded when present so
 * the pod workers run with or without them; without them pods get no volumes and no probes.
 */
import type { ConfigMap, Container as KubeContainer, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { Mount } from '../container-runtime.ts';

export interface VolumeSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getPersistentVolume(name: string): Promise<PersistentVolume | undefined>;
}

export interface VolumeManagerLike {
  setUpPod(pod: Pod, info: { podIP: string; hostIP: string }): Promise<void>;
  mountsFor(pod: Pod, container: KubeContainer): Mount[];
  tearDownPod(podUid: string): Promise<void>;
  listPodUids(): Promise<string[]>;
}

export interface ProbeEvent { type: 'Normal' | 'Warning'; reason: string; message: string; fieldPath?: string }

export interface ProbeManagerLike {
  update(pod: Pod, podIP: string, containers: { name: string; id: string; startedAt: number; running: boolean }[]): void;
  removePod(podUid: string): void;
  results(podUid: string): { readiness: Map<string, boolean>; startup: Map<string, boolean> };
  livenessFailed(podUid: string): Set<string>;
  stop(): void;
}

export interface ProbeManagerOptions {
  logger: Logger;
  exec: (containerId: string, command: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;
  onChange: (podUid: string) => void;
  recordEvent: (pod: Pod, ev: ProbeEvent) => void;
}

type VolumeErrorClass = new (...args: never[]) => Error & { volume: string };

export interface LoadedPlugins {
  volumes?: VolumeManagerLike;
  /** K2's VolumeError, to tell mount failures (FailedMount) from other errors. */
  isVolumeError(err: unknown): err is Error & { volume: string };
  probes?: ProbeManagerLike;
}

async function tryImport(relative: string): Promise<Record<string, unknown> | undefined> {
  try {
    // A computed specifier: the module may not exist in this tree yet.
    return await import(new URL(relative, import.meta.url).href) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function loadPlugins(opts: { rootDir: string; sources: VolumeSources; logger: Logger; probes: ProbeManagerOptions }): Promise<LoadedPlugins> {
  const out: LoadedPlugins = { isVolumeError: (_err): _err is Error & { volume: string } => false };
  const volumes = await tryImport('../volumes/index.ts');
  if (volumes && typeof volumes.VolumeManager === 'function') {
    const VolumeManager = volumes.VolumeManager as new (o: { rootDir: string; sources: VolumeSources; logger: Logger }) => VolumeManagerLike;
    out.volumes = new VolumeManager({ rootDir: opts.rootDir, sources: opts.sources, logger: opts.logger });
    const VolumeError = volumes.VolumeError as VolumeErrorClass | undefined;
    if (typeof VolumeError === 'function') out.isVolumeError = (err): err is Error & { volume: string } => err instanceof VolumeError;
  } else {
    opts.logger.warn('volume manager not available: pods run without volumes');
  }
  const probes = await tryImport('../probes/index.ts');
  if (probes && typeof probes.ProbeManager === 'function') {
    const ProbeManager = probes.ProbeManager as new (o: ProbeManagerOptions) => ProbeManagerLike;
    out.probes = new ProbeManager(opts.probes);
  } else {
    opts.logger.warn('probe manager not available: probes are not run');
  }
  return out;
}

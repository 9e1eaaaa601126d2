/**
 * The kubelet's volume and probe managers, built for one Kubelet. Kept beside the pod workers
 * as the two collaborators a pod sync consults: mounts before containers start, probe results
 * for status and liveness kills.
 */
import type { Logger } from '@skiff/log';
import { ProbeManager, type ProbeEvent, type ProbeManagerOptions } from '../probes/index.ts';
import { VolumeError, VolumeManager, type ServiceAccountTokens, type VolumeSources } from '../volumes/index.ts';

export type { ProbeEvent, ProbeManagerOptions, VolumeSources };

export interface LoadedPlugins {
  volumes?: VolumeManager;
  /** A mount failure (FailedMount) rather than any other sync error. */
  isVolumeError(err: unknown): err is VolumeError;
  probes?: ProbeManager;
}

export async function loadPlugins(opts: {
  rootDir: string;
  sources: VolumeSources;
  logger: Logger;
  probes: ProbeManagerOptions;
  tokens?: ServiceAccountTokens;
}): Promise<LoadedPlugins> {
  return {
    volumes: new VolumeManager({ rootDir: opts.rootDir, sources: opts.sources, logger: opts.logger, ...(opts.tokens ? { tokens: opts.tokens } : {}) }),
    isVolumeError: (err): err is VolumeError => err instanceof VolumeError,
    probes: new ProbeManager(opts.probes),
  };
}

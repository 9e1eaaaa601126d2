/**
 * The kubelet's on-disk layout for a pod, as upstream lays it out:
 *   <root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>   prepared volumes
 *   <root>/pods/<uid>/etc-hosts                                  the kubelet-managed /etc/hosts
 *   <root>/pods/<uid>/containers/<container>/termination-log     terminationMessagePath files
 */
import { join } from 'node:path';

export type VolumePlugin = 'empty-dir' | 'configmap' | 'secret' | 'downward-api' | 'projected';

export function podsDir(rootDir: string): string {
  return join(rootDir, 'pods');
}

export function podDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid);
}

export function volumeDir(rootDir: string, podUid: string, plugin: VolumePlugin, volume: string): string {
  return join(rootDir, 'pods', podUid, 'volumes', `kubernetes.io~${plugin}`, volume);
}

export function etcHostsPath(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid, 'etc-hosts');
}

export function terminationLogPath(rootDir: string, podUid: string, container: string): string {
  return join(rootDir, 'pods', podUid, 'containers', container, 'termination-log');
}

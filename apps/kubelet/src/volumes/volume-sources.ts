import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret } from '@skiff/api';

/** Where the volume manager reads the API objects volumes refer to (the kubelet's caches or the apiserver). */
export interface VolumeSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getPersistentVolume(name: string): Promise<PersistentVolume | undefined>;
}

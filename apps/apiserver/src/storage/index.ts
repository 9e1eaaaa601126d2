export type * from './store.ts';
export { createEtcdStore, type EtcdStore, type EtcdStoreOptions, type EtcdStoreStats } from './etcd-store.ts';
export { storageMetrics, registerStorageMetrics } from './storage-metrics.ts';
export { ENCRYPTION_PREFIX } from './value-codec.ts';

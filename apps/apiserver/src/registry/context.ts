/** What every verb file of the registry works with. */
import type { Logger } from '@skiff/log';
import type { Store } from '../storage/store.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import type { NamespaceCache } from './namespace-cache.ts';
import type { NodePortAllocator } from './node-port-allocator.ts';

export interface RegistryContext {
  store: Store;
  logger: Logger;
  clusterIps: ClusterIpAllocator;
  nodePorts: NodePortAllocator;
  /** Namespaces for the create path's lifecycle check (watch-fed, live read on a miss). */
  namespaces: NamespaceCache;
  /** Wall clock, injectable so deletion timestamps can be asserted. */
  now(): Date;
}

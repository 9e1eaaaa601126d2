/** What every verb file of the registry works with. */
import type { Logger } from '@skiff/log';
import type { Store } from '../storage/store.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import type { NodePortAllocator } from './node-port-allocator.ts';

export interface RegistryContext {
  store: Store;
  logger: Logger;
  clusterIps: ClusterIpAllocator;
  nodePorts: NodePortAllocator;
  /** Wall clock, injectable so deletion timestamps can be asserted. */
  now(): Date;
}

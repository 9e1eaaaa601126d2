export { createRegistry, type Registry, type RegistryOptions } from './registry.ts';
export type * from './handlers.ts';
export { ClusterIpAllocator, serviceIpAllocations } from './cluster-ip-allocator.ts';
export { NodePortAllocator, serviceNodePortAllocations } from './node-port-allocator.ts';
export { SYSTEM_NAMESPACES } from './bootstrap.ts';

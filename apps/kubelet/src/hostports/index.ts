/** hostPort publishing on the node (issue #17 §3): renderer, iptables applier and the syncer. */
export { cleanupHostPorts, HostPortIptables, type HostPortIptablesOptions } from './host-port-iptables.ts';
export { HostPortSyncer, HOSTPORT_RESYNC_MS, type HostPortSyncerOptions } from './host-port-syncer.ts';
export { getPortMappings, wantsHostPorts, type PortMapping } from './port-mappings.ts';
export { renderHostPortRules, CHAIN_PREFIX as HOSTPORT_CHAIN_PREFIX } from './render-host-port-rules.ts';
export { enableHairpinMode } from './hairpin-mode.ts';

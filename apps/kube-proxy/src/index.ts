export { renderRules, renderRulesWithChains, type RenderedChains } from './render-rules.ts';
export { Iptables, ownedChainsIn, runCommand, jumpRules, type IptablesOptions, type CommandResult } from './iptables.ts';
export {
  servicePortKey,
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  type ProxyState,
  type ProxyService,
  type ProxyServicePort,
  type ProxyEndpoint,
  type ProxyOptions,
  type Protocol,
} from './proxy-state.ts';
export { serviceChainName, endpointChainName, externalChainName, localChainName, encodeBase32 } from './chain-names.ts';
export { buildProxyState, udpEndpointsByClusterIP, findStaleUdpFlows, SERVICE_NAME_LABEL, type BuildStateInput } from './build-proxy-state.ts';
export { BoundedSync } from './bounded-sync.ts';
export { Proxier, type ProxierOptions, type ProxyInformer, type RuleApplier } from './proxier.ts';
export { parseProxyFlags, FlagError, usage, type ProxyConfig } from './config.ts';
export { createProxyMetrics, countRules, type ProxyMetrics } from './metrics.ts';
export { run, type RunOptions } from './run.ts';
export { desiredRoutes, planRouteBatch, parseRouteList, normalizeCIDR, ROUTE_PROTO, type PodRoute } from './routes/host-gw.ts';
export { RouteTable, enableIPForwarding, type RouteTableOptions, type RouteSyncResult } from './routes/route-table.ts';
export { RouteSyncer, type RouteSyncerOptions } from './routes/route-syncer.ts';
export {
  ServiceHealthServer,
  serviceHealthChecks,
  healthCheckBody,
  type ServiceHealthCheck,
  type ServiceHealthServerOptions,
} from './service-health-server.ts';

import { findResourceByKind, type EndpointSlice, type Node, type Service } from '@skiff/api';
import { followKubeconfigCertificate, InformerFactory, RestClient } from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import { runCommand } from '@skiff/netfilter';
import type { ProxyConfig } from './config.ts';
import { Iptables } from './iptables.ts';
import { createProxyMetrics } from './metrics.ts';
import { Proxier } from './proxier.ts';
import { ServiceHealthServer } from './service-health-server.ts';
import { RouteSyncer } from './routes/route-syncer.ts';
import { enableIPForwarding, RouteTable } from './routes/route-table.ts';

const SERVICES = findResourceByKind('v1', 'Service')!;
const NODES = findResourceByKind('v1', 'Node')!;
const ENDPOINT_SLICES = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;

export interface RunOptions {
  logger?: Logger;
  /** Called once the metrics server listens (its real port, 0 when off). */
  onMetricsListening?: (port: number) => void;
}

/**
 * The kube-proxy process: with --cleanup, remove our rules and return; otherwise watch
 * Services, EndpointSlices and Nodes and keep the rules in sync until the signal aborts.
 */
export async function run(config: ProxyConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('kube-proxy', config.logLevel);
  const iptables = new Iptables({ ipNetns: config.ipNetns });
  const routeTable = new RouteTable({ ipNetns: config.ipNetns });
  if (config.cleanup) {
    await iptables.cleanup();
    await routeTable.flush();
    logger.info({ netns: config.ipNetns }, 'removed every SKIFF- chain and jump, and every pod route');
    return;
  }
  // The node forwards pod traffic (its own pods out, other nodes' pods in), whoever else set it.
  await enableIPForwarding(config.ipNetns);
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: `kube-proxy/${config.nodeName}` });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('kube-proxy');
  const metrics = createProxyMetrics(registry);
  const factory = new InformerFactory(client, { logger });
  let server: MetricsServer | undefined;
  let proxier: Proxier | undefined;
  let routes: RouteSyncer | undefined;
  // Listens in this process's network namespace: the node's own, as the agent runs there (--ip-netns is for tests).
  const healthServer = new ServiceHealthServer({ logger });
  try {
    if (config.metricsPort > 0) {
      server = await serveMetrics(registry, config.metricsPort, '127.0.0.1', () => (proxier?.syncCount ?? 0) > 0);
      logger.info({ port: server.port }, 'serving /metrics and /healthz');
    }
    opts.onMetricsListening?.(server?.port ?? 0);
    const conntrack = (args: string[]) =>
      config.ipNetns ? runCommand('ip', ['netns', 'exec', config.ipNetns, 'conntrack', ...args]) : runCommand('conntrack', args);
    proxier = new Proxier({
      nodeName: config.nodeName,
      services: factory.informerFor<Service>(SERVICES),
      slices: factory.informerFor<EndpointSlice>(ENDPOINT_SLICES),
      nodes: factory.informerFor<Node>(NODES),
      iptables,
      clusterCIDR: config.clusterCIDR,
      options: { nodePortAddresses: config.nodePortAddresses, allowExternalIPs: config.allowExternalIPs },
      minSyncPeriodMs: config.minSyncPeriodMs,
      logger,
      metrics,
      conntrack,
      healthServer,
    });
    if (config.podRoutes) {
      routes = new RouteSyncer({
        nodeName: config.nodeName,
        ...(config.clusterCIDR ? { clusterCIDR: config.clusterCIDR } : {}),
        nodes: factory.informerFor<Node>(NODES),
        table: routeTable,
        minSyncPeriodMs: config.minSyncPeriodMs,
        logger,
      });
    }
    factory.start(signal);
    if (!(await factory.waitForSync(signal))) return;
    logger.info({ node: config.nodeName }, 'caches synced; syncing proxy rules');
    proxier.requestSync();
    routes?.start();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await proxier?.stop();
    await routes?.stop();
    await healthServer.close();
    await server?.close();
    client.close();
  }
}

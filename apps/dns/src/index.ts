import { followKubeconfigCertificate, InformerFactory, RestClient } from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import { readResolvConf, type DnsConfig } from './config.ts';
import { DnsServer } from './dns-server.ts';
import { InformerClusterView } from './informer-cluster-view.ts';
import { createDnsMetrics } from './metrics.ts';
import { ResponseCache } from './response-cache.ts';
import { UpstreamResolver } from './upstream-resolver.ts';

export type { DnsConfig } from './config.ts';
export { parseDnsFlags, parseUpstream, parseResolvConf, FlagError, usage } from './config.ts';
export { DnsServer, type DnsServerOptions } from './dns-server.ts';
export { answerClusterQuestion, buildSoa, CLUSTER_TTL, type ClusterView, type ClusterAnswer } from './cluster-answers.ts';
export { parseClusterName, isInDomain, type ClusterName } from './cluster-name.ts';
export { UpstreamResolver, type UpstreamServer } from './upstream-resolver.ts';
export { ResponseCache } from './response-cache.ts';
export { InformerClusterView } from './informer-cluster-view.ts';

export { NODE_LOCAL_DNS_IP, renderPodResolvConf } from './pod-resolv-conf.ts';

export interface RunOptions {
  logger?: Logger;
  /** Called once both DNS transports and the metrics server listen (their real ports). */
  onListening?: (ports: { udpPort: number; tcpPort: number; metricsPort: number }) => void;
}

/**
 * The DNS process: informers on services and endpoint slices, then the UDP/TCP server.
 * It binds only after the caches synced, so it never answers NXDOMAIN for a service that
 * exists merely because it has not listed yet. Resolves when the signal aborts.
 */
export async function run(config: DnsConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('dns', config.logLevel);
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: 'skiff-dns' });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('dns');
  const metrics = createDnsMetrics(registry);
  const factory = new InformerFactory(client, { logger });
  const view = new InformerClusterView(factory);
  // Forwarding to ourselves would loop each query until it timed out: drop such entries.
  const servers = (config.upstream.length > 0 ? config.upstream : readResolvConf()).filter((s) => !(s.host === config.bind && s.port === config.port));
  if (servers.length === 0) logger.warn('no upstream resolvers: names outside the cluster domain are refused');
  const cache = new ResponseCache({ maxEntries: config.cacheSize });
  const upstream =
    servers.length === 0
      ? undefined
      : new UpstreamResolver({
          servers,
          cache,
          onUpstream: (seconds, outcome) => metrics.upstreamDuration.observe({ outcome }, seconds),
          onCache: (hit) => {
            (hit ? metrics.cacheHits : metrics.cacheMisses).inc();
            metrics.cacheEntries.set(cache.size);
          },
        });
  let metricsServer: MetricsServer | undefined;
  let dns: DnsServer | undefined;
  try {
    factory.start(signal);
    if (!(await factory.waitForSync(signal))) return;
    logger.info('service and endpointslice caches synced');
    dns = new DnsServer({ host: config.bind, port: config.port, domain: config.clusterDomain, view, upstream, metrics, logger });
    const ports = await dns.start();
    if (config.metricsPort > 0) metricsServer = await serveMetrics(registry, config.metricsPort);
    logger.info({ ...ports, bind: config.bind, domain: config.clusterDomain, upstream: servers }, 'serving DNS');
    opts.onListening?.({ ...ports, metricsPort: metricsServer?.port ?? 0 });
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    await dns?.close();
    await metricsServer?.close();
    client.close();
  }
}

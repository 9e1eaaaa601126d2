/**
 * The built-in ingress controller: informers on Ingresses, IngressClasses, Services, EndpointSlices,
 * TLS Secrets and Nodes; every change recomputes the routing table and the certificates and swaps
 * them in; the HTTP and HTTPS listeners proxy by that table; the Lease holder writes Ingress status.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { findResourceByKind, type EndpointSlice, type Ingress, type IngressClass, type Node, type Secret, type Service } from '@skiff/api';
import { followKubeconfigCertificate, ApiStatusError, InformerFactory, RestClient, type Informer, type KubeObject } from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import type { IngressConfig } from './config.ts';
import { CertificateStore, createFallbackCertificate } from './certificate-store.ts';
import { isServedIngress } from './ingress-class.ts';
import { IngressProxy, type Scheme } from './ingress-proxy.ts';
import { IngressStatusWriter } from './ingress-status.ts';
import { closeServer, listenWithRetry } from './listen-with-retry.ts';
import { createIngressMetrics } from './metrics.ts';
import { buildRoutingTable } from './routing-table.ts';

export type { IngressConfig } from './config.ts';
export { parseIngressFlags, FlagError, usage, INGRESS_CONTROLLER_NAME, DEFAULT_INGRESS_CLASS } from './config.ts';
export { buildRoutingTable, findUpstream, type RoutingTable } from './routing-table.ts';
export { FALLBACK_CERTIFICATE_CN } from './certificate-store.ts';
export { IngressProxy } from './ingress-proxy.ts';
export { createIngressMetrics } from './metrics.ts';

export interface RunOptions {
  logger?: Logger;
  /** Called once the caches synced and both listeners are bound. */
  onReady?: () => void;
  /** Pause between attempts to bind a busy port (default 10 s). */
  listenRetryMs?: number;
}

const r = (apiVersion: string, kind: string) => findResourceByKind(apiVersion, kind)!;
const TLS_SECRETS = 'type=kubernetes.io/tls';

export async function run(config: IngressConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('ingress', config.logLevel);
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: `skiff-ingress/${config.nodeName}` });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('ingress');
  const metrics = createIngressMetrics(registry);
  const informers = new InformerFactory(client, { logger });
  const ingresses = informers.informerFor<Ingress>(r('networking.k8s.io/v1', 'Ingress'));
  const classes = informers.informerFor<IngressClass>(r('networking.k8s.io/v1', 'IngressClass'));
  const services = informers.informerFor<Service>(r('v1', 'Service'));
  const slices = informers.informerFor<EndpointSlice>(r('discovery.k8s.io/v1', 'EndpointSlice'));
  const nodes = informers.informerFor<Node>(r('v1', 'Node'));
  const secrets = (await canReadTlsSecrets(client, logger, signal))
    ? informers.informerFor<Secret>(r('v1', 'Secret'), { fieldSelector: TLS_SECRETS })
    : undefined;

  const proxy = new IngressProxy(metrics, logger);
  const fallback = await createFallbackCertificate();
  const certs = new CertificateStore(fallback, logger);
  const served = () => ingresses.list().filter((ing) => isServedIngress(ing, classes.list(), config.ingressClass));
  const status = new IngressStatusWriter({
    client,
    identity: `${config.nodeName}_${randomUUID().slice(0, 8)}`,
    logger,
    read: () => ({ ingresses: served(), nodes: nodes.list() }),
  });

  let synced = false;
  let pending = false;
  const reload = () => {
    const ings = served();
    const table = buildRoutingTable({ ingresses: ings, services: services.list(), slices: slices.list() });
    certs.update(table.tlsSecrets, (key) => secrets?.getByKey(key));
    proxy.setTable(table);
    metrics.reloads.inc();
    metrics.servedIngresses.set(ings.length);
    status.trigger();
  };
  // A burst of events (a rollout touches many slices) makes one reload, on the next turn of the loop.
  const scheduleReload = () => {
    if (!synced || pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      reload();
    });
  };
  for (const informer of [ingresses, classes, services, slices, secrets] as (Informer<KubeObject> | undefined)[]) {
    informer?.onAdd(scheduleReload);
    informer?.onUpdate(scheduleReload);
    informer?.onDelete(scheduleReload);
  }
  // Nodes only change the addresses the status writer publishes, never a route: every heartbeat
  // would otherwise rebuild the routing table on every node.
  const nodeChanged = () => {
    if (synced) status.trigger();
  };
  nodes.onAdd(nodeChanged);
  nodes.onUpdate(nodeChanged);
  nodes.onDelete(nodeChanged);

  const listeners: Server[] = [];
  const serve = (server: Server, scheme: Scheme, port: number) => {
    proxy.attach(server, scheme, port);
    listeners.push(server);
    return listenWithRetry(server, { port, host: config.bindAddress, name: scheme, retryMs: opts.listenRetryMs, logger, signal });
  };

  let metricsServer: MetricsServer | undefined;
  let statusRun: Promise<void> | undefined;
  try {
    if (config.metricsPort > 0) metricsServer = await serveMetrics(registry, config.metricsPort, '127.0.0.1', () => synced);
    informers.start(signal);
    if (!(await informers.waitForSync(signal))) return;
    synced = true;
    reload();
    statusRun = status.run(signal);
    // Serve only once the table is whole, so a restart never answers 404 for a route that exists.
    const bound: Promise<boolean>[] = [];
    if (config.httpPort > 0) bound.push(serve(createHttpServer(), 'http', config.httpPort));
    if (config.httpsPort > 0) {
      const https = createHttpsServer({ cert: fallback.cert, key: fallback.key, SNICallback: (name, cb) => cb(null, certs.contextFor(name)) });
      bound.push(serve(https, 'https', config.httpsPort));
    }
    if ((await Promise.all(bound)).every(Boolean)) {
      logger.info({ node: config.nodeName, http: config.httpPort, https: config.httpsPort, tls: secrets !== undefined }, 'ingress controller serving');
      opts.onReady?.();
    }
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    await Promise.all(listeners.map((s) => closeServer(s)));
    proxy.close();
    await statusRun;
    await metricsServer?.close();
    client.close();
  }
}

/**
 * A machine added with `skiff join` runs us on its node credential, which RBAC keeps from Secrets:
 * then serve HTTP, and HTTPS with the fallback certificate only, and say so once, rather than
 * retrying a forbidden watch forever.
 */
async function canReadTlsSecrets(client: RestClient, logger: Logger, signal: AbortSignal): Promise<boolean> {
  try {
    await client.list(r('v1', 'Secret'), undefined, { fieldSelector: TLS_SECRETS, limit: 1, signal });
    return true;
  } catch (err) {
    if (err instanceof ApiStatusError && err.code === 403) {
      logger.error(
        { err: err.message },
        'not allowed to read Secrets: Ingress TLS certificates will not be served from this node (HTTPS answers with the fallback certificate)',
      );
      return false;
    }
    return true; // anything else (the apiserver starting) is the informer's to retry
  }
}

/**
 * kube-proxy's service health checks: for every LoadBalancer Service with
 * externalTrafficPolicy Local, an HTTP server on its healthCheckNodePort, on every address
 * of the node, telling an external load balancer whether this node holds a ready endpoint
 * (200) or not (503), so it sends traffic only where it will not be dropped. The answer is
 * upstream's JSON, byte for byte in shape, and servers open and close as services come and go.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '@skiff/log';
import { servicePortKey, type ProxyState } from './proxy-state.ts';

export interface ServiceHealthCheck {
  namespace: string;
  name: string;
  port: number;
  /** Ready endpoints (distinct addresses) of the service on this node. */
  localEndpoints: number;
}

/** The health checks a proxy state asks for, one per healthCheckNodePort. */
export function serviceHealthChecks(state: ProxyState): ServiceHealthCheck[] {
  const out: ServiceHealthCheck[] = [];
  for (const svc of state.services) {
    if (svc.type !== 'LoadBalancer' || svc.externalTrafficPolicy !== 'Local' || !svc.healthCheckNodePort) continue;
    const local = new Set<string>();
    for (const port of svc.ports) {
      for (const e of state.endpoints[servicePortKey(svc.namespace, svc.name, port.name)] ?? []) if (e.ready && e.local) local.add(e.ip);
    }
    out.push({ namespace: svc.namespace, name: svc.name, port: svc.healthCheckNodePort, localEndpoints: local.size });
  }
  return out;
}

/** Upstream's body (pkg/proxy/healthcheck): the service, its local endpoint count, and whether the proxy is healthy. */
export function healthCheckBody(check: ServiceHealthCheck): string {
  return JSON.stringify(
    { service: { namespace: check.namespace, name: check.name }, localEndpoints: check.localEndpoints, serviceProxyHealthy: true },
    undefined,
    2,
  );
}

interface Listener {
  server: Server;
  check: ServiceHealthCheck;
  listening: boolean;
}

export interface ServiceHealthServerOptions {
  /** Where to listen; default every address (''), as kube-proxy's default --nodeport-addresses. */
  host?: string;
  logger: Logger;
}

export class ServiceHealthServer {
  readonly #opts: ServiceHealthServerOptions;
  readonly #listeners = new Map<number, Listener>();

  constructor(opts: ServiceHealthServerOptions) {
    this.#opts = opts;
  }

  /** Ports currently served, for tests and logs. */
  get ports(): number[] {
    return [...this.#listeners.keys()].sort((a, b) => a - b);
  }

  /**
   * Makes the servers match `checks`: new ports open, gone ones close, counts update in
   * place. A port that fails to open (taken by someone else) is retried on the next sync.
   */
  async sync(checks: readonly ServiceHealthCheck[]): Promise<void> {
    const wanted = new Map(checks.map((c) => [c.port, c]));
    for (const [port, listener] of this.#listeners) {
      if (wanted.has(port) && listener.listening) continue;
      this.#listeners.delete(port);
      await closeServer(listener.server);
    }
    for (const [port, check] of wanted) {
      const existing = this.#listeners.get(port);
      if (existing) {
        existing.check = check;
        continue;
      }
      await this.#open(check);
    }
  }

  async close(): Promise<void> {
    const all = [...this.#listeners.values()];
    this.#listeners.clear();
    await Promise.all(all.map((l) => closeServer(l.server)));
  }

  async #open(check: ServiceHealthCheck): Promise<void> {
    const listener: Listener = { server: createServer(), check, listening: false };
    listener.server.on('request', (req, res) => {
      const current = listener.check;
      const healthy = current.localEndpoints > 0;
      res.writeHead(healthy ? 200 : 503, {
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        'X-Load-Balancing-Endpoint-Weight': String(current.localEndpoints),
      });
      res.end(req.method === 'HEAD' ? undefined : healthCheckBody(current));
    });
    const key = `${check.namespace}/${check.name}`;
    try {
      await new Promise<void>((resolve, reject) => {
        listener.server.once('error', reject);
        listener.server.listen({ port: check.port, host: this.#opts.host || undefined }, () => resolve());
      });
      listener.listening = true;
      this.#listeners.set(check.port, listener);
      this.#opts.logger.info({ service: key, port: check.port }, 'serving service health check');
    } catch (err) {
      this.#opts.logger.warn({ err, service: key, port: check.port }, 'service health check port unavailable; retrying on the next sync');
    }
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

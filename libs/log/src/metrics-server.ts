import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** The bound port (the real one when asked for 0). */
  port: number;
  close(): Promise<void>;
}

let shuttingDown = false;

/**
 * Marks this process as shutting down (its SIGTERM handler calls it): from then on every health
 * endpoint it serves answers 503, as kube-apiserver's /readyz does, so a launcher that finds the
 * process still alive (`skiff up` right after a kill) waits for it to exit rather than count on it.
 */
export function markShuttingDown(): void {
  shuttingDown = true;
}

/**
 * Plain-HTTP GET /metrics (Prometheus text) and /healthz ("ok") for a component, bound
 * to loopback by default: what kube's components serve on 10257/10259/10248. `healthy`
 * lets a component report itself unhealthy (503) without closing the port.
 */
export function serveMetrics(registry: Registry, port: number, host = '127.0.0.1', healthy: () => boolean = () => true): Promise<MetricsServer> {
  const server = createServer((req, res) => void answer(registry, healthy, req, res));
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function answer(registry: Registry, healthy: () => boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  try {
    if (path === '/metrics') return send(res, 200, registry.contentType, await registry.metrics());
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      if (shuttingDown) return send(res, 503, 'text/plain', 'shutting down');
      return healthy() ? send(res, 200, 'text/plain', 'ok') : send(res, 503, 'text/plain', 'unhealthy');
    }
    send(res, 404, 'text/plain', 'not found\n');
  } catch (err) {
    send(res, 500, 'text/plain', `${err instanceof Error ? err.message : String(err)}\n`);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

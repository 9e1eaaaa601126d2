/**
 * The data path: a request (or WebSocket upgrade) is matched against the current routing table and
 * handed to http-proxy-3 with one ready endpoint, chosen round-robin. The table is one reference
 * swapped whole by setTable, so a reload never touches a request already on its way.
 */
import { Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { Logger } from '@skiff/log';
import { emptyRoutingTable, findUpstream, type RoutingTable, type Upstream } from './routing-table.ts';
import type { IngressMetrics } from './metrics.ts';

export type Scheme = 'http' | 'https';

export class IngressProxy {
  #table: RoutingTable = emptyRoutingTable();
  /** Round-robin position per upstream id; kept across table swaps so a reload does not reset spreading. */
  readonly #next = new Map<string, number>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, timeout: 60_000 });
  readonly #proxy: ProxyServer;
  readonly #metrics: IngressMetrics;
  readonly #logger: Logger;
  readonly #started = new WeakMap<IncomingMessage, number>();

  constructor(metrics: IngressMetrics, logger: Logger) {
    this.#metrics = metrics;
    this.#logger = logger;
    // xfwd stays off: we set the X-Forwarded-* headers ourselves (forwardedHeaders) as ingress-nginx
    // does, rather than let a client's own X-Forwarded-Proto or -Host through.
    this.#proxy = createProxyServer({ agent: this.#agent, xfwd: false, ws: true, proxyTimeout: 120_000 });
    this.#proxy.on('proxyRes', (_res, req) => {
      const t = this.#started.get(req);
      if (t !== undefined) this.#metrics.upstreamLatency.observe((performance.now() - t) / 1000);
    });
  }

  setTable(table: RoutingTable): void {
    this.#table = table;
    // Forget positions of upstreams no route names any more.
    const live = new Set(allUpstreams(table).map((u) => u.id));
    for (const id of this.#next.keys()) if (!live.has(id)) this.#next.delete(id);
  }

  get table(): RoutingTable {
    return this.#table;
  }

  /** Makes `server` (plain or TLS) a listener of this proxy; `port` is what X-Forwarded-Port says. */
  attach(server: Server, scheme: Scheme, port: number): void {
    server.keepAliveTimeout = 65_000; // longer than a browser's idle wait, as nginx's 75 s
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handleRequest(req, res, scheme, port));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head, scheme, port));
    server.on('clientError', (_err: Error, socket: Duplex) => socket.destroy());
  }

  handleRequest(req: IncomingMessage, res: ServerResponse, scheme: Scheme, port: number): void {
    res.once('finish', () => this.#metrics.requests.inc({ code: String(res.statusCode) }));
    const target = this.#pick(findUpstream(this.#table, req.headers.host, req.url));
    if (typeof target === 'number') return sendError(res, target);
    setForwardedHeaders(req, scheme, port);
    this.#started.set(req, performance.now());
    this.#proxy.web(req, res, { target: `http://${target}` }, (err) => {
      this.#logger.debug({ err, target, url: req.url }, 'backend request failed');
      if (!res.headersSent) sendError(res, 502);
      else res.destroy();
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scheme: Scheme, port: number): void {
    socket.on('error', () => socket.destroy());
    const target = this.#pick(findUpstream(this.#table, req.headers.host, req.url));
    if (typeof target === 'number') {
      this.#metrics.requests.inc({ code: String(target) });
      socket.end(`HTTP/1.1 ${target} ${STATUS_TEXT[target]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    setForwardedHeaders(req, scheme, port);
    this.#metrics.requests.inc({ code: '101' });
    this.#proxy.ws(req, socket, head, { target: `http://${target}` }, (err) => {
      this.#logger.debug({ err, target, url: req.url }, 'backend WebSocket failed');
      socket.destroy();
    });
  }

  close(): void {
    this.#proxy.close();
    this.#agent.destroy();
  }

  /** An "ip:port" to send to, or the status to answer: 404 no route, 503 no ready endpoint. */
  #pick(upstream: Upstream | undefined): string | 404 | 503 {
    if (!upstream) return 404;
    const n = upstream.endpoints.length;
    if (n === 0) return 503;
    const i = this.#next.get(upstream.id) ?? 0;
    this.#next.set(upstream.id, (i + 1) % n);
    return upstream.endpoints[i % n]!;
  }
}

const STATUS_TEXT: Record<number, string> = { 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable' };

function sendError(res: ServerResponse, code: 404 | 502 | 503): void {
  const body = `${code} ${STATUS_TEXT[code]}\n`;
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * What the backend learns about the client, as ingress-nginx sets it by default: the client address
 * appended to X-Forwarded-For, X-Real-IP = that address, and Proto/Host/Port as this listener saw the
 * request (a client's own values for those are replaced, not trusted).
 */
export function setForwardedHeaders(req: IncomingMessage, scheme: Scheme, port: number): void {
  const h = req.headers;
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const prior = h['x-forwarded-for'];
  h['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  h['x-real-ip'] = client;
  h['x-forwarded-proto'] = scheme;
  h['x-forwarded-host'] = h.host ?? '';
  h['x-forwarded-port'] = String(port);
}

function allUpstreams(table: RoutingTable): Upstream[] {
  const out: Upstream[] = table.defaultBackend ? [table.defaultBackend] : [];
  for (const routes of [table.anyHost, ...table.hosts.values(), ...table.wildcards.values()]) {
    for (const r of [...routes.exact.values(), ...routes.prefix]) out.push(r.upstream);
  }
  return out;
}

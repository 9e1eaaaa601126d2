/**
 * `kubectl proxy`: a plain-HTTP server on localhost that forwards to the apiserver with the
 * kubeconfig's credentials. Bodies stream both ways (a watch passes through as it arrives) and
 * Upgrade requests are tunnelled. As upstream's FilterServer: a request is refused (403 Forbidden)
 * when its path matches --reject-paths (exec and attach by default), its method --reject-methods, or
 * its Host (port removed, as Go's SplitHostPort does) is not in --accept-hosts (localhost only).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { chmodSync, createReadStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { impersonationHeaders, type ClientConfig, type RestConfig } from '@skiff/client';
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';

export const DEFAULT_ACCEPT_HOSTS = '^localhost$,^127\\.0\\.0\\.1$,^\\[::1\\]$';
export const DEFAULT_ACCEPT_PATHS = '^.*';
export const DEFAULT_REJECT_PATHS = '^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach';
export const DEFAULT_REJECT_METHODS = '^$';

export interface RequestFilter {
  acceptPaths: RegExp[];
  rejectPaths: RegExp[];
  acceptHosts: RegExp[];
  rejectMethods: RegExp[];
}

/** A comma-separated list of regular expressions, unanchored as Go's MatchString is. */
export function regexpList(spec: string): RegExp[] {
  if (spec === '') return [];
  return spec.split(',').map((part) => {
    try {
      return new RegExp(part);
    } catch (err) {
      throw new CliError(`Error compiling re: ${(err as Error).message}`);
    }
  });
}

/** The host of a Host header as Go's net.SplitHostPort answers it ("[::1]:8001" → "::1"), else the header itself. */
export function hostOf(header: string): string {
  const bracketed = /^\[([^\]]*)\]:\d*$/.exec(header);
  if (bracketed) return bracketed[1]!;
  const m = /^([^:[\]]*):\d*$/.exec(header);
  return m ? m[1]! : header;
}

export function acceptRequest(filter: RequestFilter, method: string, path: string, host: string): boolean {
  const matches = (s: string, list: RegExp[]) => list.some((re) => re.test(s));
  if (matches(path, filter.rejectPaths) || matches(method, filter.rejectMethods)) return false;
  return matches(path, filter.acceptPaths) && matches(host, filter.acceptHosts);
}

/** The apiserver path for a request path under `apiPrefix`, or undefined (404) outside it; as upstream, a prefix starting with /api is kept. */
export function apiPathFor(path: string, apiPrefix: string): string | undefined {
  if (!path.startsWith(apiPrefix)) return undefined;
  if (apiPrefix.startsWith('/api')) return path;
  const rest = path.slice(apiPrefix.length);
  return rest === '' || rest.startsWith('/') ? rest : `/${rest}`;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

function forwardHeaders(headers: IncomingHttpHeaders, config: ClientConfig, target: URL, upgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  // kubectl proxy --as: the impersonation goes with every forwarded request.
  Object.assign(out, impersonationHeaders(config));
  // As client-go's bearer round tripper: a request that brings its own Authorization keeps it.
  if (config.token && !out.authorization) out.authorization = `Bearer ${config.token}`;
  out.host = target.host;
  if (upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = String(headers.upgrade ?? '');
  }
  return out;
}

function tlsOf(config: RestConfig) {
  return { ca: config.caCert, cert: config.clientCert, key: config.clientKey, rejectUnauthorized: !config.insecureSkipTlsVerify };
}

/** Go's http.Error: a plain-text line. */
function plainError(res: ServerResponse, code: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const forbidden = (res: ServerResponse) => plainError(res, 403, 'Forbidden');
const notFound = (res: ServerResponse) => plainError(res, 404, '404 page not found');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** --www: files under `base`, directories by index.html or a listing, never a path outside `base`. */
function serveStatic(base: string, rel: string, res: ServerResponse): void {
  const root = resolve(base);
  const path = resolve(root, `.${decodeURIComponent(rel.startsWith('/') ? rel : `/${rel}`)}`);
  if (path !== root && !path.startsWith(root + sep)) return notFound(res);
  if (!existsSync(path)) return notFound(res);
  let file = path;
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'index.html'))) {
      const names = readdirSync(path, { withFileTypes: true })
        .map((d) => (d.isDirectory() ? `${d.name}/` : d.name))
        .sort();
      const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${names.map((n) => `<a href="${esc(encodeURI(n))}">${esc(n)}</a>\n`).join('')}</pre>\n`,
      );
      return;
    }
    file = join(path, 'index.html');
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

export interface ProxyOptions {
  config: ClientConfig;
  apiPrefix: string;
  staticDir?: string;
  staticPrefix: string;
  filter?: RequestFilter;
  appendServerPath: boolean;
  /** Where errors reaching the apiserver are logged. */
  log: (line: string) => void;
}

/** The proxy's HTTP server (not yet listening). */
export function createProxyServer(opts: ProxyOptions): Server {
  const target = new URL(opts.config.server);
  const basePath = opts.appendServerPath ? target.pathname.replace(/\/$/, '') : '';
  const route = (req: IncomingMessage): { path: string; search: string } | 'static' | undefined => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (opts.staticDir && url.pathname.startsWith(opts.staticPrefix) && opts.staticPrefix.length >= opts.apiPrefix.length) return 'static';
    const path = apiPathFor(url.pathname, opts.apiPrefix);
    if (path === undefined) return opts.staticDir && url.pathname.startsWith(opts.staticPrefix) ? 'static' : undefined;
    return { path, search: url.search };
  };
  const allowed = (req: IncomingMessage, path: string) => !opts.filter || acceptRequest(opts.filter, req.method ?? 'GET', path, hostOf(req.headers.host ?? ''));

  const server = createServer((req, res) => {
    const r = route(req);
    if (r === 'static') return serveStatic(opts.staticDir!, new URL(req.url ?? '/', 'http://proxy').pathname.slice(opts.staticPrefix.length), res);
    if (!r) return notFound(res);
    if (!allowed(req, r.path)) return forbidden(res);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: basePath + r.path + r.search,
        headers: forwardHeaders(req.headers, opts.config, target, false),
        ...tlsOf(opts.config),
      },
      (answer) => {
        const headers = { ...answer.headers };
        for (const h of HOP_BY_HOP) delete headers[h];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      opts.log(`Error while proxying request: ${err.message}`);
      if (!res.headersSent) plainError(res, 500, err.message);
      else res.destroy();
    });
    // A client that goes away (Ctrl-C on a watch) ends the upstream request too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const r = route(req);
    const refuse = (code: number, text: string) =>
      socket.end(
        `HTTP/1.1 ${code} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length + 1}\r\nConnection: close\r\n\r\n${text}\n`,
      );
    if (!r || r === 'static') return refuse(404, 'Not Found');
    if (!allowed(req, r.path)) return refuse(403, 'Forbidden');
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
    const onConnect = () => {
      const headers = forwardHeaders(req.headers, opts.config, target, true);
      const lines = [`${req.method} ${basePath + r.path + r.search} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers)) for (const value of [v].flat()) lines.push(`${k}: ${value}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    };
    const upstream: Socket =
      target.protocol === 'https:'
        ? tlsConnect(
            { host: target.hostname, port, servername: target.hostname.match(/^[\d.]+$/) ? undefined : target.hostname, ...tlsOf(opts.config) },
            onConnect,
          )
        : netConnect({ host: target.hostname, port }, onConnect);
    upstream.on('error', (err) => {
      opts.log(`Error while proxying request: ${err.message}`);
      socket.destroy();
    });
    socket.on('error', () => upstream.destroy());
  });
  return server;
}

function warn(err: NodeJS.WritableStream, message: string): void {
  err.write(`W${new Date().toISOString()} proxy.go: ${message}\n`);
}

registerCommand({
  name: 'proxy',
  summary: 'Run a proxy to the Kubernetes API server',
  long: `Creates a proxy server or application-level gateway between localhost and the Kubernetes API server. It also allows serving static content over specified HTTP path. All incoming data enters through one port and gets forwarded to the remote Kubernetes API server port, except for the path matching the static content path.`,
  usage: 'proxy [--port=PORT] [--www=static-dir] [--www-prefix=prefix] [--api-prefix=prefix]',
  examples: `  # To proxy all of the Kubernetes API and nothing else
  kubectl proxy --api-prefix=/

  # To proxy only part of the Kubernetes API and also some static files
  # You can get pods info with 'curl localhost:8001/api/v1/pods'
  kubectl proxy --www=/my/files --www-prefix=/static/ --api-prefix=/api/

  # To proxy the entire Kubernetes API at a different root
  # You can get pods info with 'curl localhost:8001/custom/api/v1/pods'
  kubectl proxy --api-prefix=/custom/

  # Run a proxy to the Kubernetes API server on port 8011, serving static content from ./local/www/
  kubectl proxy --port=8011 --www=./local/www/

  # Run a proxy to the Kubernetes API server on an arbitrary local port
  # The chosen port for the server will be output to stdout
  kubectl proxy --port=0

  # Run a proxy to the Kubernetes API server, changing the API prefix to k8s-api
  # This makes e.g. the pods API available at localhost:8001/k8s-api/v1/pods/
  kubectl proxy --api-prefix=/k8s-api`,
  flags: [
    { name: 'port', short: 'p', type: 'int', default: 8001, usage: 'The port on which to run the proxy. Set to 0 to pick a random port.' },
    { name: 'address', type: 'string', default: '127.0.0.1', usage: 'The IP address on which to serve on.' },
    { name: 'api-prefix', type: 'string', default: '/', usage: 'Prefix to serve the proxied API under.' },
    { name: 'www', short: 'w', type: 'string', usage: 'Also serve static files from the given directory under the specified prefix.' },
    {
      name: 'www-prefix',
      short: 'P',
      type: 'string',
      default: '/static/',
      usage: 'Prefix to serve static files under, if static file directory is specified.',
    },
    { name: 'accept-hosts', type: 'string', default: DEFAULT_ACCEPT_HOSTS, usage: 'Regular expression for hosts that the proxy should accept.' },
    { name: 'accept-paths', type: 'string', default: DEFAULT_ACCEPT_PATHS, usage: 'Regular expression for paths that the proxy should accept.' },
    {
      name: 'reject-paths',
      type: 'string',
      default: DEFAULT_REJECT_PATHS,
      usage: 'Regular expression for paths that the proxy should reject. Paths specified here will be rejected even accepted by --accept-paths.',
    },
    {
      name: 'reject-methods',
      type: 'string',
      default: DEFAULT_REJECT_METHODS,
      usage: "Regular expression for HTTP methods that the proxy should reject (example --reject-methods='POST,PUT,PATCH'). ",
    },
    {
      name: 'disable-filter',
      type: 'bool',
      usage:
        'If true, disable request filtering in the proxy. This is dangerous, and can leave you vulnerable to XSRF attacks, when used with an accessible port.',
    },
    { name: 'unix-socket', short: 'u', type: 'string', usage: 'Unix socket on which to run the proxy.' },
    {
      name: 'keepalive',
      type: 'string',
      default: '0s',
      usage: 'keepalive specifies the keep-alive period for an active network connection. Set to 0 to disable keepalive.',
    },
    { name: 'append-server-path', type: 'bool', usage: 'If true, enables automatic path appending of the kube context server path to each request.' },
  ],
  async run(ctx) {
    const flags = ctx.flags;
    const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);
    const unixSocket = flags.string('unix-socket') ?? '';
    const port = flags.int('port') ?? 8001;
    if (port !== 8001 && unixSocket) throw new CliError('cannot set --unix-socket and --port at the same time');
    const config = ctx.client.config;
    const serverPath = new URL(config.server).pathname;
    const appendServerPath = flags.bool('append-server-path');
    if (!appendServerPath && serverPath !== '' && serverPath !== '/') {
      warn(ctx.err, `Your kube context contains a server path ${serverPath}, use --append-server-path to automatically append the path to each request`);
    }
    let filter: RequestFilter | undefined;
    if (flags.bool('disable-filter')) {
      if (!unixSocket) warn(ctx.err, 'Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious');
    } else {
      const rejectPaths = flags.string('reject-paths') ?? '';
      const rejectMethods = flags.string('reject-methods') ?? '';
      if (rejectPaths === '' || rejectMethods === '')
        warn(ctx.err, 'Request filter has been relaxed, your proxy may be vulnerable to attacks, please be cautious');
      filter = {
        acceptPaths: regexpList(flags.string('accept-paths') ?? ''),
        rejectPaths: regexpList(rejectPaths),
        acceptHosts: regexpList(flags.string('accept-hosts') ?? ''),
        rejectMethods: regexpList(rejectMethods),
      };
    }
    const staticDir = flags.string('www') || undefined;
    if (staticDir && !existsSync(staticDir)) warn(ctx.err, `Failed to stat static file directory ${staticDir}: stat ${staticDir}: no such file or directory`);
    else if (staticDir && !statSync(staticDir).isDirectory()) warn(ctx.err, `Static file directory ${staticDir} is not a directory`);
    const server = createProxyServer({
      config,
      staticDir,
      appendServerPath,
      filter,
      apiPrefix: withSlash(flags.string('api-prefix') || '/'),
      staticPrefix: withSlash(flags.string('www-prefix') || '/static/'),
      log: (line) => ctx.err.write(`E${new Date().toISOString()} proxy_server.go: ${line}\n`),
    });
    const address = flags.string('address') || '127.0.0.1';
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new CliError(
            `listen ${unixSocket ? 'unix' : 'tcp'} ${unixSocket || `${address}:${port}`}: ${err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message}`,
          ),
        ),
      );
      if (unixSocket) {
        if (existsSync(unixSocket) && statSync(unixSocket).isSocket()) rmSync(unixSocket);
        server.listen(unixSocket, () => resolveListen());
      } else server.listen(port, address, () => resolveListen());
    });
    if (unixSocket) chmodSync(unixSocket, 0o600);
    const bound = server.address();
    const where = typeof bound === 'string' ? bound : bound ? `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : '';
    ctx.out.write(`Starting to serve on ${where}\n`);
    // Serves until interrupted, as kubectl does.
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    server.close();
    server.closeAllConnections();
    return 0;
  },
});

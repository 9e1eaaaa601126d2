/**
 * The kubelet's HTTPS server (node:https, paths as upstream's pkg/kubelet/server): authenticate the
 * caller (client certificate or bearer token) and authorize it through the apiserver (auth.ts), then route. Upgrade requests (exec/attach/portForward) are
 * authenticated and validated first, so a refused one gets a plain HTTP error, and then go to the
 * transport their Upgrade header names: WebSocket here, SPDY/3.1 in spdy/.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { DockerRuntime } from '../docker-runtime.ts';
import { KubeletAuth, type AuthorizationMode, type ReviewPoster } from './auth.ts';
import { LogRequestError, serveContainerLogs } from './container-logs.ts';
import { DockerStreamingBackend } from './docker-backend.ts';
import { loadServingCert } from './serving-cert.ts';
import { handleSpdyUpgrade } from './spdy/index.ts';
import type { StatsSummary } from './stats.ts';
import { parseStreamRequest, StreamError, type StreamingBackend, type StreamRequest } from './streaming-backend.ts';
import { handleWebSocketUpgrade } from './websocket.ts';

export interface KubeletServerDeps {
  logger: Logger;
  runtime: DockerRuntime;
  /** From the kubelet's pod cache. */
  findPod(namespace: string, name: string): Pod | undefined;
  stats(): Promise<StatsSummary>;
  /** Defaults to a DockerStreamingBackend on `runtime` (tests swap in their own). */
  streaming?: StreamingBackend;
  /** POSTs a TokenReview/SubjectAccessReview to the apiserver (Webhook mode and bearer tokens need it). */
  postReview?: ReviewPoster;
}

export interface KubeletServerOptions {
  address: string;
  port: number;
  certFile?: string;
  keyFile?: string;
  clientCaFile?: string;
  rootDir: string;
  /** The Node name reviews ask about (`nodes/<name>/proxy`...). */
  nodeName: string;
  /** Default Webhook. */
  authorizationMode?: AuthorizationMode;
}

export interface KubeletServer {
  port: number;
  /** Serves with a new certificate from the next handshake on (serving-certificate rotation); open connections keep theirs. */
  setServingCertificate(pair: { cert: string; key: string }): void;
  close(): Promise<void>;
}

function sendStatus(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${message}\n`);
}

function rejectUpgrade(socket: Duplex, code: number, message: string): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[code] ?? 'Internal Server Error';
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${code} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startKubeletServer(opts: KubeletServerOptions, deps: KubeletServerDeps): Promise<KubeletServer> {
  const { logger } = deps;
  const tls = await loadServingCert({ certFile: opts.certFile, keyFile: opts.keyFile, rootDir: opts.rootDir, hosts: [opts.address] });
  const clientCa = opts.clientCaFile ? await readFile(opts.clientCaFile) : undefined;
  if (!clientCa) logger.warn('kubelet API: no --client-ca-file, every request but /healthz is refused');
  const backend = deps.streaming ?? new DockerStreamingBackend({ runtime: deps.runtime, findPod: deps.findPod, logger });
  const auth = new KubeletAuth({
    mode: opts.authorizationMode ?? 'Webhook',
    nodeName: opts.nodeName,
    hasClientCa: clientCa !== undefined,
    post: deps.postReview,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    if (url.pathname === '/healthz') {
      sendStatus(res, 200, 'ok');
      return;
    }
    const decision = await auth.check(req);
    if (!decision.ok) {
      sendStatus(res, decision.code, decision.message);
      return;
    }
    const route = parts[0];
    if (req.method === 'GET' && url.pathname === '/stats/summary') {
      const summary = await deps.stats();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(summary));
    } else if (req.method === 'GET' && route === 'containerLogs') {
      await serveContainerLogs(res, deps.runtime, deps.findPod, parts.slice(1), url.searchParams);
    } else if (route === 'exec' || route === 'attach' || route === 'portForward') {
      sendStatus(res, 400, 'Upgrade request required');
    } else {
      sendStatus(res, 404, '404 page not found');
    }
  };

  const server = createServer(
    {
      cert: tls.cert,
      key: tls.key,
      ...(clientCa ? { ca: clientCa } : {}),
      // Ask for a certificate but admit anyone to the handshake: /healthz is open, and refusals get a proper 401/403.
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (err instanceof LogRequestError || err instanceof StreamError) sendStatus(res, err.code, err.message);
        else {
          logger.error({ err, url: req.url }, 'kubelet API request failed');
          sendStatus(res, 500, (err as Error).message);
        }
      });
    },
  );

  // Upgraded connections leave the server's bookkeeping: track them so close() ends sessions too.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', (err) => logger.debug({ err: err.message }, 'stream connection error'));
    auth.check(req).then(
      (decision) => {
        if (!decision.ok) return rejectUpgrade(socket, decision.code, decision.message);
        const request = parseStreamRequest(req.url ?? '/');
        if (!request) return rejectUpgrade(socket, 404, '404 page not found');
        return validateAndUpgrade(req, socket, head, request);
      },
      (err: unknown) => rejectUpgrade(socket, 500, (err as Error).message),
    );
  });
  const validateAndUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, request: StreamRequest): void => {
    backend.validate(request).then(
      () => {
        const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
        if (upgrade === 'websocket') handleWebSocketUpgrade(req, socket, head, backend, request, logger);
        else if (upgrade.startsWith('spdy/')) handleSpdyUpgrade(req, socket, head, backend, request);
        else rejectUpgrade(socket, 400, `unsupported upgrade protocol "${req.headers.upgrade}"`);
      },
      (err: unknown) => {
        if (err instanceof StreamError) rejectUpgrade(socket, err.code, err.message);
        else {
          logger.error({ err, url: req.url }, 'kubelet stream request failed');
          rejectUpgrade(socket, 500, (err as Error).message);
        }
      },
    );
  };
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  logger.info({ address: opts.address, port }, 'kubelet API serving');
  return {
    port,
    setServingCertificate: (pair) => server.setSecureContext({ cert: pair.cert, key: pair.key, ...(clientCa ? { ca: clientCa } : {}) }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }),
  };
}

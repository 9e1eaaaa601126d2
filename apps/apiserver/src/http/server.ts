/**
 * The HTTPS front door: TLS with optional client certificates, then the pipeline
 * observe → (anonymous health/version) → authenticate → audit → impersonate → max in flight →
 * authorize → route, in kube-apiserver's order. Admission is the registry's job; the HTTP layer
 * only decodes, dispatches and encodes.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@skiff/log';
import { ApiError, errors } from '../errors.ts';
import type { ApiHandlers, UserInfo } from '../registry/handlers.ts';
import type { Authenticator } from './authn.ts';
import { forbiddenError, type Authorizer } from './authz.ts';
import { impersonate } from './impersonation.ts';
import { buildApiGroup, buildApiGroupList, buildApiResourceList, buildApiVersions, buildVersionInfo } from './discovery.ts';
import { healthRouter, type HealthChecks } from './health.ts';
import { createApiMetrics, isReadOnly, metricVerb } from './metrics.ts';
import type { MetricsRegistry } from '@skiff/log';
import { openApiRouter } from './openapi/index.ts';
import { parseRequestInfo, type RequestInfo } from './request-info.ts';
import { handleResourceRequest, resourceNotFound } from './resource-handler.ts';
import { sendError, sendJson, toApiError } from './respond.ts';
import { selfSubjectAccessReviewPath, serveSelfSubjectAccessReview } from './self-subject-access-review.ts';
import { selfSubjectReviewPath, serveSelfSubjectReview } from './self-subject-review.ts';
import { ServedResources } from '../registry/custom-resources/served-resources.ts';
import { ANONYMOUS, Auditor, auditIdFor, type RequestAudit } from './audit/auditor.ts';
import { createMaxInFlight } from './max-in-flight.ts';
import { createNodeProxy, isNodeProxyRequest, type KubeletClientConfig } from './node-proxy/index.ts';
import { createMetricsApi } from './metrics-api/index.ts';
import { buildGroupDiscoveryList, negotiateAggregatedDiscovery, sendGroupDiscoveryList } from './aggregation/aggregated-discovery.ts';

/**
 * A path served beside the resource handlers, after authentication and authorization
 * (access and token reviews, the service-account issuer's JWKS...). Answers true when it served the request.
 */
export type ApiRoute = (req: Request, res: Response, info: RequestInfo, user: UserInfo) => Promise<boolean>;

export interface ApiServerOptions {
  tls: { cert: string | Buffer; key: string | Buffer; clientCa: string | Buffer };
  handlers: ApiHandlers;
  /** What is served (built-in and custom resources); tests that serve only built-ins leave it out. */
  served?: ServedResources;
  /** May be async: bootstrap tokens are looked up in storage. */
  authenticate: (...args: Parameters<Authenticator>) => ReturnType<Authenticator> | Promise<ReturnType<Authenticator>>;
  authorize: Authorizer;
  health: HealthChecks;
  metrics: MetricsRegistry;
  logger: Logger;
  maxRequestBytes: number;
  /** host:port advertised in /api. */
  serverAddress: string;
  /** Watches without timeoutSeconds last a random [min, 2*min) seconds (kube: 1800). */
  minRequestTimeoutSeconds?: number;
  /** --kubelet-client-certificate/-key/--kubelet-certificate-authority: for logs, exec, port-forward, node proxy, metrics. */
  kubeletClient?: KubeletClientConfig;
  /** Extra routes, tried in order before the node proxy and the resource handlers. */
  routes?: ApiRoute[];
  /** The audit log; absent: none. */
  audit?: AuditOptions;
  /** Requests served at once before 429 + Retry-After (kube-apiserver: 400 read-only, 200 mutating). */
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
}

/** --audit-log-path and friends, as kube-apiserver's. */
export interface AuditOptions {
  path: string;
  policyFile?: string;
  maxSizeMB: number;
  maxBackups: number;
  maxAgeDays: number;
}

export interface ApiServer {
  server: Server;
  /** Stops accepting, ends watches, waits for in-flight requests (forcing them after `graceMs`). */
  shutdown(graceMs?: number): Promise<void>;
}

interface RequestState {
  info: RequestInfo;
  user?: UserInfo;
  started: bigint;
  /** Date.now() when the request arrived: the audit event's requestReceivedTimestamp. */
  received: number;
  auditID: string;
  /** Absent without an audit log, or when the policy says None. */
  audit?: RequestAudit;
}

const stateKey = Symbol('skiff.request');
function stateOf(req: IncomingMessage): RequestState {
  return (req as unknown as Record<symbol, RequestState>)[stateKey]!;
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { logger } = opts;
  const metrics = createApiMetrics(opts.metrics);
  const served = opts.served ?? new ServedResources();
  const shutdownController = new AbortController();
  const auditor = opts.audit ? new Auditor({ ...opts.audit, logger, maxBodyBytes: opts.maxRequestBytes }) : undefined;
  const maxInFlight = createMaxInFlight({
    maxRequestsInflight: opts.maxRequestsInflight ?? 400,
    maxMutatingRequestsInflight: opts.maxMutatingRequestsInflight ?? 200,
    metrics: opts.metrics,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Observe: every request is counted, timed and logged once, whatever answers it.
  app.use((req: Request, res: Response, next: NextFunction) => {
    let info: RequestInfo;
    try {
      info = parseRequestInfo(req.method, req.originalUrl);
    } catch {
      sendError(res, errors.badRequest(`malformed request path: ${req.originalUrl}`), logger);
      return;
    }
    const state: RequestState = { info, started: process.hrtime.bigint(), received: Date.now(), auditID: auditIdFor(req) };
    res.setHeader('Audit-Id', state.auditID);
    (req as unknown as Record<symbol, RequestState>)[stateKey] = state;
    const kind = isReadOnly(req.method) ? 'readOnly' : 'mutating';
    metrics.inflight.inc({ kind });
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      metrics.inflight.dec({ kind });
      const seconds = Number(process.hrtime.bigint() - state.started) / 1e9;
      const verb = metricVerb(req.method, info, req.headers['content-type']);
      const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
      const code = res.statusCode;
      metrics.requests.inc({ verb, resource: info.resource, code: String(code) });
      if (verb !== 'WATCH') metrics.duration.observe({ verb, resource: info.resource }, seconds);
      const line = {
        verb: info.verb,
        resource,
        ns: info.namespace,
        name: info.name || undefined,
        code,
        ms: Math.round(seconds * 1000),
        user: state.user?.username,
        path: info.isResourceRequest ? undefined : info.path,
      };
      if (code >= 500) logger.error(line, 'request');
      else if (code === 401 || code === 403 || code === 413) logger.warn(line, 'request');
      else logger.debug(line, 'request');
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  });

  // Anonymous: probes and /version.
  app.use(healthRouter(opts.health));
  app.get('/version', (_req, res) => {
    sendJson(res, 200, buildVersionInfo());
  });

  // Authenticate, act as whom the request impersonates (if allowed), then authorize.
  // Audited from here on, so a refused request is recorded with whoever asked (anonymous for a 401).
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const state = stateOf(req);
    const authenticated = await opts.authenticate(req);
    state.audit = auditor?.begin(req, res, state.auditID, state.info, authenticated ?? ANONYMOUS, state.received);
    if (!authenticated) throw errors.unauthorized();
    state.user = authenticated; // a refused impersonation is logged as its caller
    const user = await impersonate(req.headersDistinct, authenticated, opts.authorize);
    if (user !== authenticated) state.audit?.impersonating(user);
    state.user = user;
    const release = maxInFlight.acquire(isReadOnly(req.method) ? 'readOnly' : 'mutating', user, state.info);
    res.on('finish', release);
    res.on('close', release);
    const decision = await opts.authorize(user, state.info);
    state.audit?.authorized(decision.allowed, decision.reason);
    if (!decision.allowed) throw forbiddenError(user, state.info, decision.reason);
    next();
  });

  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', opts.metrics.contentType);
    res.end(await opts.metrics.metrics());
  });
  // The core group is never aggregated: /api is answered here, in either discovery format.
  app.get('/api', (req, res) => {
    const v = negotiateAggregatedDiscovery(req.headers.accept);
    if (v) return sendGroupDiscoveryList(req, res, buildGroupDiscoveryList({ served, remote: [] }, 'api', v), v);
    res.setHeader('Vary', 'Accept');
    sendJson(res, 200, buildApiVersions(served, { serverAddress: opts.serverAddress }));
  });
  const nodeProxy = createNodeProxy({ handlers: opts.handlers, kubeletClient: opts.kubeletClient, logger });
  const serveMetricsApi = createMetricsApi({ handlers: opts.handlers, kubeletClient: opts.kubeletClient, logger });
  // Routes first: the aggregation layer answers /apis with extension apiservers' groups too.
  const routes = opts.routes ?? [];
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const state = stateOf(req);
    for (const route of routes) if (await route(req, res, state.info, state.user!)) return;
    next();
  });
  app.get('/apis', (req, res) => {
    const v = negotiateAggregatedDiscovery(req.headers.accept);
    if (v) return sendGroupDiscoveryList(req, res, buildGroupDiscoveryList({ served, remote: [] }, 'apis', v), v);
    res.setHeader('Vary', 'Accept');
    sendJson(res, 200, buildApiGroupList({ served, remote: [] }));
  });
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const { info } = stateOf(req);
    if (isNodeProxyRequest(info)) return nodeProxy.serve(req, res, info);
    if (!(await serveMetricsApi(req, res))) next();
  });
  app.use(openApiRouter(served));
  app.post(selfSubjectAccessReviewPath, async (req: Request, res: Response) => {
    await serveSelfSubjectAccessReview(req, res, stateOf(req).user!, opts.authorize, opts.maxRequestBytes);
  });
  app.post(selfSubjectReviewPath, async (req: Request, res: Response) => {
    await serveSelfSubjectReview(req, res, stateOf(req).user!, opts.maxRequestBytes);
  });

  const watchContext = {
    handlers: opts.handlers,
    logger,
    shutdown: shutdownController.signal,
    minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds ?? 1800,
  };
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const state = stateOf(req);
    const { info } = state;
    if (info.isResourceRequest) {
      await handleResourceRequest({ handlers: opts.handlers, served, maxRequestBytes: opts.maxRequestBytes, watch: watchContext }, req, res, info, state.user!);
      return;
    }
    if (req.method === 'GET') {
      const parts = info.path.split('/').filter(Boolean);
      const doc =
        parts[0] === 'api' && parts.length === 2
          ? buildApiResourceList(served, '', parts[1]!)
          : parts[0] === 'apis' && parts.length === 2
            ? buildApiGroup({ served, remote: [] }, parts[1]!)
            : parts[0] === 'apis' && parts.length === 3
              ? buildApiResourceList(served, parts[1]!, parts[2]!)
              : undefined;
      if (doc) {
        sendJson(res, 200, doc);
        return;
      }
    }
    next();
  });

  app.use((_req: Request, _res: Response) => {
    throw resourceNotFound();
  });
  // Express recognises error handlers by their four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const state = (req as unknown as Record<symbol, RequestState | undefined>)[stateKey];
    const info = state?.info;
    if (!(err instanceof ApiError) && toApiError(err).code >= 500) state?.audit?.panic(err);
    sendError(res, err, logger, { verb: info?.verb, resource: info?.resource, ns: info?.namespace, name: info?.name });
  });

  const server = createServer(
    {
      cert: opts.tls.cert,
      key: opts.tls.key,
      ca: opts.tls.clientCa,
      // Ask for a client certificate but let anonymous probes in; authn checks `authorized`.
      requestCert: true,
      rejectUnauthorized: false,
      keepAlive: true,
      keepAliveTimeout: 65_000,
    },
    app as unknown as (req: IncomingMessage, res: ServerResponse) => void,
  );
  // exec/attach/portforward arrive as Upgrade requests, which bypass express: same authn/authz, then the node proxy.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.debug({ err: err.message }, 'upgraded connection error'));
    const refuse = (err: ApiError) => {
      const body = JSON.stringify(err.toStatus());
      socket.end(
        `HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    void (async () => {
      let info: RequestInfo;
      try {
        info = parseRequestInfo(req.method ?? 'GET', req.url ?? '/');
      } catch {
        return refuse(errors.badRequest(`malformed request path: ${req.url}`));
      }
      const authenticated = await opts.authenticate(req);
      const audit = auditor?.begin(req, undefined, auditIdFor(req), info, authenticated ?? ANONYMOUS, Date.now());
      const refuseAudited = (err: ApiError) => {
        audit?.upgradeRefused(err.toStatus() as unknown as Record<string, unknown>, err.code);
        refuse(err);
      };
      if (!authenticated) return refuseAudited(errors.unauthorized());
      let user: UserInfo;
      try {
        user = await impersonate(req.headersDistinct, authenticated, opts.authorize);
      } catch (err) {
        return refuseAudited(toApiError(err));
      }
      if (user !== authenticated) audit?.impersonating(user);
      const decision = await opts.authorize(user, info);
      audit?.authorized(decision.allowed, decision.reason);
      if (!decision.allowed) return refuseAudited(forbiddenError(user, info, decision.reason));
      if (!isNodeProxyRequest(info)) return refuseAudited(resourceNotFound());
      audit?.upgraded(socket);
      logger.debug({ verb: info.verb, resource: `${info.resource}/${info.subresource}`, ns: info.namespace, name: info.name, user: user.username }, 'upgrade');
      await nodeProxy.upgrade(req, socket, head, info);
    })().catch((err: unknown) => {
      logger.error({ err }, 'upgrade request failed');
      socket.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    logger.debug({ err: err.message }, 'client connection error');
    socket.destroy();
  });

  return {
    server,
    async shutdown(graceMs = 10_000): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdownController.abort();
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, graceMs);
      });
      await Promise.race([closed, forced]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      auditor?.close();
    },
  };
}

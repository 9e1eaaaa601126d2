/**
 * The aggregation layer: requests for a group/version whose APIService names a Service are
 * proxied to that extension apiserver with the front-proxy client certificate and the
 * X-Remote-User/Group/Extra headers (request-header authentication); /apis and /apis/<group>
 * list those groups beside the local ones, and /api, /apis answer aggregated discovery.
 * Everything else falls through to the local handlers, Skiff's own metrics.k8s.io included
 * until an APIService hands `v1beta1.metrics.k8s.io` to a real metrics-server.
 */
import type { Request, Response } from 'express';
import type { ApiRoute } from '../server.ts';
import type { RegistryContext } from '../../registry/context.ts';
import { buildApiGroup, buildApiGroupList, type DiscoverySources } from '../discovery.ts';
import { sendJson } from '../respond.ts';
import { buildGroupDiscoveryList, negotiateAggregatedDiscovery, sendGroupDiscoveryList } from './aggregated-discovery.ts';
import { extensionApiserverAuthentication, publishExtensionApiserverAuthentication, type FrontProxy } from './front-proxy.ts';
import { proxyRequest } from './proxy.ts';
import { RemoteApis } from './remote-apis.ts';

export { loadFrontProxy, type FrontProxy } from './front-proxy.ts';

export interface AggregationOptions {
  ctx: RegistryContext;
  /** The front-proxy client certificate (--proxy-client-cert-file/-key); without it extension apiservers see no client certificate. */
  frontProxy?: FrontProxy;
  /** --client-ca-file's PEM, published for extension apiservers (frontProxy carries it when given). */
  clientCa?: string;
}

/** kube-aggregator answers a request it cannot relay with a plain-text 503 (http.Error), which kubectl words as "the server is currently unable to handle the request". */
function serviceUnavailable(res: Response): void {
  res.statusCode = 503;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end('service unavailable\n');
}

/** Publishes the ConfigMap, retrying (etcd may be briefly away) until it is written. */
function publishAuthentication(opts: AggregationOptions): void {
  const clientCa = opts.frontProxy?.clientCa ?? opts.clientCa;
  if (clientCa === undefined) return;
  const data = extensionApiserverAuthentication(opts.frontProxy, clientCa);
  let delay = 500;
  const attempt = (): void => {
    publishExtensionApiserverAuthentication(opts.ctx, data).catch((err: unknown) => {
      opts.ctx.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'extension-apiserver-authentication ConfigMap not written');
      setTimeout(attempt, delay).unref();
      delay = Math.min(delay * 2, 30_000);
    });
  };
  attempt();
}

export function createAggregationRoute(opts: AggregationOptions): ApiRoute {
  const remote = new RemoteApis(opts.ctx, opts.frontProxy);
  remote.start();
  publishAuthentication(opts);
  const sources = (): DiscoverySources => ({ served: opts.ctx.served, remote: remote.groupVersions() });

  return async (req: Request, res: Response, info, user) => {
    const parts = info.path.split('/').filter(Boolean);
    if (parts[0] !== 'apis') return false;
    if (parts.length === 1 && req.method === 'GET') {
      const v = negotiateAggregatedDiscovery(req.headers.accept);
      if (v) sendGroupDiscoveryList(req, res, buildGroupDiscoveryList(sources(), 'apis', v), v);
      else {
        res.setHeader('Vary', 'Accept');
        sendJson(res, 200, buildApiGroupList(sources()));
      }
      return true;
    }
    if (parts.length === 2 && req.method === 'GET') {
      if (!remote.list().some((r) => r.spec.group === parts[1])) return false;
      sendJson(res, 200, buildApiGroup(sources(), parts[1]!));
      return true;
    }
    const target = parts.length >= 3 ? remote.find(parts[1]!, parts[2]!) : undefined;
    if (!target) return false;
    if (!target.available) {
      serviceUnavailable(res);
      return true;
    }
    try {
      await proxyRequest(req, res, await remote.target(target), user, opts.frontProxy);
    } catch (err) {
      opts.ctx.logger.warn({ apiservice: target.name, err: (err as Error).message }, 'proxying to the extension apiserver failed');
      serviceUnavailable(res);
    }
    return true;
  };
}

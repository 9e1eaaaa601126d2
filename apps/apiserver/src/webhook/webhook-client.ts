/**
 * One HTTPS POST to a webhook, as kube-apiserver calls admission webhooks, CRD conversion
 * webhooks and (with the same service resolution) aggregated APIs.
 *
 * A clientConfig names either a `url` or a `service` (namespace, name, path, port 443 by
 * default). A service is reached at one of its ready endpoints, as k3s runs kube-apiserver
 * (`--enable-aggregator-routing`): the apiserver then needs no kube-proxy of its own. The
 * server certificate is checked against `caBundle` (the system roots without one) and, for a
 * service, against the name `<service>.<namespace>.svc`, as Kubernetes checks it.
 */
import { request as httpsRequest } from 'node:https';
import { findResource, type EndpointSlice, type Service } from '@skiff/api';
import type { RegistryContext } from '../registry/context.ts';

export interface ServiceReference {
  namespace: string;
  name: string;
  path?: string;
  port?: number;
}

export interface WebhookClientConfig {
  url?: string;
  service?: ServiceReference;
  /** Base64 PEM: the CA that signed the webhook's serving certificate. */
  caBundle?: string;
}

/** Why a call failed: failurePolicy decides what each means to the caller. */
export type WebhookFailure = 'unreachable' | 'timeout' | 'status' | 'decode';

export class WebhookError extends Error {
  readonly failure: WebhookFailure;
  /** The HTTP status, for 'status'. */
  readonly status?: number;

  constructor(failure: WebhookFailure, message: string, status?: number) {
    super(message);
    this.failure = failure;
    if (status !== undefined) this.status = status;
  }
}

/** Where a call goes: the address to dial, the TLS name to check, and the request path. */
export interface WebhookTarget {
  host: string;
  port: number;
  serverName: string;
  path: string;
  ca?: Buffer;
}

const SERVICES = findResource('', 'v1', 'services')!;
const ENDPOINT_SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

/** The address of one ready endpoint behind `service`'s `port`. */
export async function resolveServiceEndpoint(ctx: RegistryContext, ref: ServiceReference): Promise<{ host: string; port: number }> {
  const port = ref.port ?? 443;
  const where = `service "${ref.namespace}/${ref.name}"`;
  let service: Service;
  try {
    service = (await ctx.store.get(SERVICES, ref.namespace, ref.name)) as unknown as Service;
  } catch {
    throw new WebhookError('unreachable', `${where} not found`);
  }
  const servicePort = (service.spec?.ports ?? []).find((p) => p.port === port);
  if (!servicePort) throw new WebhookError('unreachable', `${where} has no port ${port}`);
  if (service.spec?.type === 'ExternalName' && service.spec.externalName) return { host: service.spec.externalName, port };
  const slices = ctx.watched.of(ENDPOINT_SLICES);
  await slices.synced;
  for (const obj of slices.values(ref.namespace)) {
    const slice = obj as unknown as EndpointSlice;
    if (slice.metadata?.labels?.['kubernetes.io/service-name'] !== ref.name) continue;
    const sp = (slice.ports ?? []).find((p) => (servicePort.name ? p.name === servicePort.name : true) && (p.protocol ?? 'TCP') === 'TCP');
    if (!sp?.port) continue;
    const ready = (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.addresses.length > 0);
    if (ready.length === 0) continue;
    const pick = ready[Math.floor(Math.random() * ready.length)]!;
    return { host: pick.addresses[0]!, port: sp.port };
  }
  throw new WebhookError('unreachable', `${where} has no ready endpoints for port ${port}`);
}

export async function resolveWebhookTarget(ctx: RegistryContext, config: WebhookClientConfig): Promise<WebhookTarget> {
  const ca = config.caBundle ? Buffer.from(config.caBundle, 'base64') : undefined;
  if (config.url) {
    const url = new URL(config.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return { host, port: Number(url.port || 443), serverName: host, path: `${url.pathname}${url.search}`, ...(ca ? { ca } : {}) };
  }
  if (!config.service) throw new WebhookError('unreachable', 'the client config names neither a url nor a service');
  const { host, port } = await resolveServiceEndpoint(ctx, config.service);
  return { host, port, serverName: `${config.service.name}.${config.service.namespace}.svc`, path: config.service.path || '/', ...(ca ? { ca } : {}) };
}

/** POSTs `body` as JSON and answers the decoded JSON reply; throws WebhookError. */
export async function callWebhook(ctx: RegistryContext, config: WebhookClientConfig, body: unknown, timeoutMs: number): Promise<unknown> {
  const target = await resolveWebhookTarget(ctx, config);
  return postJson(target, body, timeoutMs);
}

export function postJson(target: WebhookTarget, body: unknown, timeoutMs: number): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body));
  const isIp = /^[\d.]+$|:/.test(target.serverName);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        method: 'POST',
        ...(target.ca ? { ca: target.ca } : {}),
        // SNI only carries host names; an IP is checked against the certificate's IP SANs.
        ...(isIp ? {} : { servername: target.serverName }),
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': payload.length },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new WebhookError('unreachable', err.message)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new WebhookError('status', `the server responded with ${status}: ${text.slice(0, 200)}`, status));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new WebhookError('decode', `the response is not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new WebhookError('timeout', `context deadline exceeded (timeout ${timeoutMs / 1000}s)`));
    }, timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new WebhookError('timeout', `context deadline exceeded (timeout ${timeoutMs / 1000}s)`)));
    req.on('error', (err) => reject(err instanceof WebhookError ? err : new WebhookError('unreachable', err.message)));
    req.end(payload);
  });
}

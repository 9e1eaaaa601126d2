/**
 * One request relayed to an extension apiserver, as kube-aggregator's proxy handler relays it:
 * to a ready endpoint of the APIService's Service (no kube-proxy needed, as k3s runs with
 * --enable-aggregator-routing), over TLS checked against the APIService's caBundle and the name
 * `<service>.<namespace>.svc`, showing the front-proxy client certificate. The caller's
 * credentials stay here: the user travels as X-Remote-User/Group/Extra-* headers, which the
 * extension server trusts because of that certificate. Bodies stream both ways, so watches work.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RegistryContext } from '../../registry/context.ts';
import type { UserInfo } from '../../registry/handlers.ts';
import { resolveServiceEndpoint } from '../../webhook/webhook-client.ts';
import { EXTRA_HEADER_PREFIX, GROUP_HEADER, USERNAME_HEADER, type FrontProxy } from './front-proxy.ts';

/** The parts of an APIService's spec the proxy needs. */
export interface ApiServiceSpec {
  group: string;
  version: string;
  service?: { namespace: string; name: string; port?: number };
  caBundle?: string;
  insecureSkipTLSVerify?: boolean;
}

export interface ProxyTarget {
  host: string;
  port: number;
  serverName: string;
  ca?: Buffer;
  insecure: boolean;
}

export async function resolveProxyTarget(ctx: RegistryContext, spec: ApiServiceSpec): Promise<ProxyTarget> {
  const ref = spec.service!;
  const { host, port } = await resolveServiceEndpoint(ctx, { namespace: ref.namespace, name: ref.name, port: ref.port ?? 443 });
  return {
    host,
    port,
    serverName: `${ref.name}.${ref.namespace}.svc`,
    insecure: spec.insecureSkipTLSVerify === true,
    ...(spec.caBundle ? { ca: Buffer.from(spec.caBundle, 'base64') } : {}),
  };
}

function tlsOptions(target: ProxyTarget, frontProxy: FrontProxy | undefined): RequestOptions {
  return {
    host: target.host,
    port: target.port,
    servername: target.serverName,
    rejectUnauthorized: !target.insecure,
    ...(target.ca ? { ca: target.ca } : {}),
    ...(frontProxy ? { cert: frontProxy.cert, key: frontProxy.key } : {}),
  };
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the caller's credentials never cross the proxy. */
const DROPPED = /^(?:connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade|host|authorization|impersonate-.*|x-remote-.*)$/i;

export function requestHeaders(incoming: IncomingHttpHeaders, user: UserInfo): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) if (value !== undefined && !DROPPED.test(name)) out[name] = value;
  out[USERNAME_HEADER] = user.username;
  // One header per group, as the request-header authenticator reads them.
  if (user.groups.length > 0) out[GROUP_HEADER] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {})) out[`${EXTRA_HEADER_PREFIX}${encodeURIComponent(key)}`] = [...values];
  return out;
}

/** Streams `req` to the extension apiserver and its answer back; rejects only when no answer started. */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  user: UserInfo,
  frontProxy: FrontProxy | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = httpsRequest(
      { ...tlsOptions(target, frontProxy), method: req.method, path: req.url, headers: requestHeaders(req.headers, user) },
      (answer) => {
        const headers: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !DROPPED.test(name)) headers[name] = value;
        res.writeHead(answer.statusCode ?? 502, headers);
        // Watches flush each event as it comes.
        res.flushHeaders();
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(err);
    });
    // A client that hangs up (kubectl get -w, Ctrl-C) ends the upstream request too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
}

/** GET `path` of the extension apiserver as the apiserver itself (discovery, availability). */
export function getJson(target: ProxyTarget, path: string, frontProxy: FrontProxy | undefined, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        ...tlsOptions(target, frontProxy),
        method: 'GET',
        path,
        timeout: timeoutMs,
        headers: { Accept: 'application/json', [USERNAME_HEADER]: 'system:kube-aggregator', [GROUP_HEADER]: 'system:masters' },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('error', reject);
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (answer.statusCode !== 200) return reject(new Error(`bad status from https://${target.host}:${target.port}${path}: ${answer.statusCode}`));
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`the response from https://${target.host}:${target.port}${path} is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Client.Timeout exceeded while awaiting headers (${timeoutMs / 1000}s)`)));
    req.on('error', reject);
    req.end();
  });
}

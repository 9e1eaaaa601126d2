/**
 * The apiserver's doors to kubelets: pods/{name}/log (streamed), pods/{name}/exec|attach|portforward
 * (the Upgrade request is replayed to the kubelet on a TLS connection with the kubelet-client
 * certificate and then both sockets are piped, so WebSocket and SPDY pass through untouched) and
 * nodes/{name}/proxy/{path}. Requests arrive authenticated and authorized.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Logger } from '@skiff/log';
import { errors } from '../../errors.ts';
import type { ApiHandlers } from '../../registry/handlers.ts';
import type { RequestInfo } from '../request-info.ts';
import { sendError } from '../respond.ts';
import { getPod, kubeletError, locateNode, locatePodKubelet, resolveContainer, type KubeletLocation } from './kubelet-location.ts';

export interface KubeletClientConfig {
  cert: string | Buffer;
  key: string | Buffer;
  /** Verifies kubelets' serving certificates; absent: not verified, as upstream without --kubelet-certificate-authority. */
  ca?: string | Buffer;
}

export interface NodeProxyOptions {
  handlers: ApiHandlers;
  kubeletClient?: KubeletClientConfig;
  logger: Logger;
}

const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/** Is this request one of ours (for routing before the generic resource handler)? */
export function isNodeProxyRequest(info: RequestInfo): boolean {
  if (!info.isResourceRequest || info.group !== '' || !info.name) return false;
  if (info.resource === 'pods') return info.subresource === 'log' || STREAM_SUBRESOURCES.has(info.subresource);
  return info.resource === 'nodes' && info.subresource === 'proxy';
}

export interface NodeProxy {
  /** pods/log and nodes/proxy (plain HTTP); an exec without Upgrade gets a 400. */
  serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void>;
  /** pods/exec|attach|portforward with an Upgrade header; errors are written as HTTP responses on the socket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo): Promise<void>;
}

export function createNodeProxy(opts: NodeProxyOptions): NodeProxy {
  const { handlers, logger } = opts;

  const client = (): KubeletClientConfig => {
    if (!opts.kubeletClient) throw errors.badRequest('the apiserver has no kubelet client certificate (--kubelet-client-certificate/--kubelet-client-key)');
    return opts.kubeletClient;
  };
  const tlsOptions = (loc: KubeletLocation) => {
    const c = client();
    return { host: loc.host, port: loc.port, cert: c.cert, key: c.key, ...(c.ca ? { ca: c.ca } : {}), rejectUnauthorized: c.ca !== undefined };
  };
  const queryOf = (req: IncomingMessage) => new URL(req.url ?? '/', 'https://x').searchParams;

  /** Where on which kubelet a request goes: the kubelet path (with query) and its location. */
  const target = async (req: IncomingMessage, info: RequestInfo): Promise<{ loc: KubeletLocation; path: string }> => {
    const query = queryOf(req);
    if (info.resource === 'nodes') {
      const loc = await locateNode(handlers, info.name);
      const rest = info.rest.map(encodeURIComponent).join('/');
      const q = query.toString();
      return { loc, path: `/${rest}${q ? `?${q}` : ''}` };
    }
    const ns = info.namespace ?? 'default';
    const pod = await getPod(handlers, ns, info.name);
    // As upstream: the container is checked before the pod's node.
    const containerName = info.subresource === 'portforward' ? '' : resolveContainer(pod, query.get('container') ?? undefined);
    const loc = await locatePodKubelet(handlers, pod);
    const base = `${encodeURIComponent(ns)}/${encodeURIComponent(info.name)}`;
    if (info.subresource === 'portforward') {
      // PodPortForwardOptions says `ports`; the kubelet reads `port` (as upstream's streamLocation rewrites it).
      const ports = new URLSearchParams();
      for (const p of [...query.getAll('ports'), ...query.getAll('port')].flatMap((v) => v.split(','))) if (p) ports.append('port', p);
      return { loc, path: `/portForward/${base}?${ports.toString()}` };
    }
    const container = encodeURIComponent(containerName);
    const verb = info.subresource === 'log' ? 'containerLogs' : info.subresource;
    query.delete('container');
    const q = query.toString();
    return { loc, path: `/${verb}/${base}/${container}${q ? `?${q}` : ''}` };
  };

  return {
    async serve(req, res, info) {
      try {
        if (STREAM_SUBRESOURCES.has(info.subresource)) throw errors.badRequest('Upgrade request required');
        if (req.method !== 'GET')
          throw errors.methodNotSupported({ group: '', resource: `${info.resource}/${info.subresource}` }, req.method?.toLowerCase() ?? '');
        const { loc, path } = await target(req, info);
        const options: RequestOptions = { ...tlsOptions(loc), method: 'GET', path, headers: { Accept: String(req.headers.accept ?? '*/*') } };
        const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
          const r = httpsRequest(options, resolve);
          r.on('error', (err) => reject(errors.serviceUnavailable(`error trying to reach the kubelet at ${loc.host}:${loc.port}: ${err.message}`)));
          res.on('close', () => r.destroy());
          r.end();
        });
        const code = upstream.statusCode ?? 502;
        if (code >= 300 && info.resource === 'pods') {
          const chunks: Buffer[] = [];
          for await (const chunk of upstream) chunks.push(chunk as Buffer);
          throw kubeletError(code, Buffer.concat(chunks).toString('utf8'));
        }
        res.statusCode = code;
        const type = upstream.headers['content-type'];
        if (type) res.setHeader('Content-Type', type);
        // Followed logs stream: every chunk is sent as it comes.
        res.flushHeaders();
        upstream.pipe(res);
        res.on('close', () => upstream.destroy());
      } catch (err) {
        sendError(res, err, logger, { resource: info.resource, subresource: info.subresource, name: info.name });
      }
    },

    async upgrade(req, socket, head, info) {
      let path: string;
      let loc: KubeletLocation;
      try {
        ({ loc, path } = await target(req, info));
      } catch (err) {
        const status =
          err instanceof Error && 'toStatus' in err ? (err as ReturnType<typeof errors.badRequest>).toStatus() : errors.internal(String(err)).toStatus();
        const body = JSON.stringify(status);
        socket.end(
          `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
        return;
      }
      const upstream = tlsConnect({ ...tlsOptions(loc), ALPNProtocols: ['http/1.1'] });
      let connected = false;
      upstream.once('secureConnect', () => {
        connected = true;
        // The client's request, re-addressed to the kubelet: same method and headers (but our identity, not the caller's credentials).
        const lines = [`${req.method} ${path} HTTP/1.1`, `Host: ${loc.host}:${loc.port}`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          const name = req.rawHeaders[i]!;
          if (/^(host|authorization|impersonate-.*)$/i.test(name)) continue;
          lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', (err) => {
        logger.warn({ err: err.message, kubelet: `${loc.host}:${loc.port}` }, 'kubelet stream connection failed');
        if (!connected) {
          const body = JSON.stringify(errors.serviceUnavailable(`error dialing backend: ${err.message}`).toStatus());
          socket.end(
            `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
        } else socket.destroy();
      });
      socket.on('error', () => upstream.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
    },
  };
}

/**
 * Streaming requests RestClient does not model: a plain response body read as it arrives
 * (pods/log with follow) and WebSocket upgrades (pods/exec, pods/portforward), both
 * authenticated with the kubeconfig's certificates or token, acting as the client's impersonated user.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import { ApiStatusError, impersonationHeaders, statusFromResponse, type ClientConfig } from '@skiff/client';

export type Query = [string, string][];

function urlOf(config: ClientConfig, path: string, query: Query): URL {
  const url = new URL(config.server.replace(/\/$/, '') + path);
  for (const [k, v] of query) url.searchParams.append(k, v);
  return url;
}

function tlsOptions(config: ClientConfig) {
  return {
    ca: config.caCert,
    cert: config.clientCert,
    key: config.clientKey,
    rejectUnauthorized: !config.insecureSkipTlsVerify,
    headers: { ...(config.token ? { authorization: `Bearer ${config.token}` } : {}), ...impersonationHeaders(config) },
  };
}

async function readAll(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text;
}

/** GET with the body left unread; a non-2xx answer throws the server's Status. */
export function openStream(config: ClientConfig, path: string, query: Query, signal?: AbortSignal): Promise<IncomingMessage> {
  const url = urlOf(config, path, query);
  const { headers, ...tls } = tlsOptions(config);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers: { ...headers, 'user-agent': 'skiff-kubectl' }, ...tls, signal }, (res) => {
      if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return resolve(res);
      readAll(res).then((text) => reject(new ApiStatusError(statusFromResponse(res.statusCode ?? 0, text), `GET ${path}`)), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket to `path`, paused (call resume()); a refused upgrade throws the server's Status like a plain request. */
export function openWebSocket(config: ClientConfig, path: string, query: Query, protocols: string[]): Promise<WebSocket> {
  const url = urlOf(config, path, query);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const { headers, ...tls } = tlsOptions(config);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ...tls, headers });
    ws.binaryType = 'nodebuffer';
    // Paused until the caller has its listeners on: the server may send output right away.
    ws.once('open', () => {
      ws.pause();
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      readAll(res).then((text) => reject(new ApiStatusError(statusFromResponse(res.statusCode ?? 0, text), `upgrade ${path}`)), reject);
    });
    ws.once('error', (err) => reject(new Error(`unable to upgrade connection: ${err.message}`)));
  });
}

/**
 * The httpGet prober (kubelet's pkg/probe/http): GET scheme://host:port/path with the probe's
 * headers, no keep-alive, TLS unverified; 2xx and 3xx succeed; redirects are followed only
 * while they stay on the same host, and a redirect that is not followed ends the probe with a
 * warning (which counts as success). The timeout covers the whole exchange, body included.
 */
import http from 'node:http';
import https from 'node:https';
import { describeDialError, joinHostPort } from './net-errors.ts';
import { failure, success, warning, type ProbeOutcome } from './types.ts';

/** Upstream reads at most this much of a body (it only goes into messages). */
const MAX_BODY_BYTES = 10 * 1024;
const MAX_REDIRECTS = 10;
export const PROBE_USER_AGENT = 'kube-probe/1.32';

export interface HttpProbeTarget {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  /** May carry a query string; a missing leading slash is added. */
  path: string;
  headers: ReadonlyArray<{ name: string; value: string }>;
  timeoutMs: number;
}

interface Response {
  status: number;
  location?: string;
  body: string;
}

export function probeUrl(target: Pick<HttpProbeTarget, 'scheme' | 'host' | 'port' | 'path'>): URL {
  const path = target.path.startsWith('/') ? target.path : `/${target.path}`;
  return new URL(`${target.scheme.toLowerCase()}://${joinHostPort(target.host, target.port)}${path}`);
}

export async function probeHttp(target: HttpProbeTarget): Promise<ProbeOutcome> {
  const headers = buildHeaders(target.headers);
  const deadline = AbortSignal.timeout(target.timeoutMs);
  const first = probeUrl(target);
  let url = first;
  for (let redirects = 0; ; redirects++) {
    let res: Response;
    try {
      res = await get(url, headers, deadline);
    } catch (err) {
      return failure(describeRequestError(url, err, deadline));
    }
    if (res.status >= 300 && res.status < 400) {
      const next = res.location === undefined ? undefined : (URL.parse(res.location, url.href) ?? undefined);
      if (next && next.hostname === first.hostname && (next.protocol === 'http:' || next.protocol === 'https:')) {
        if (redirects + 1 >= MAX_REDIRECTS) return failure(`Get "${next.href}": stopped after ${MAX_REDIRECTS} redirects`);
        url = next;
        continue;
      }
      return warning(`Probe terminated redirects, Response body: ${res.body}`);
    }
    if (res.status >= 200 && res.status < 300) return success(res.body);
    return failure(`HTTP probe failed with statuscode: ${res.status}`);
  }
}

/** Probe headers as Node request headers: repeated names become lists; User-Agent and Accept get upstream's defaults. */
function buildHeaders(list: HttpProbeTarget['headers']): http.OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const { name, value } of list) {
    const key = name.toLowerCase();
    const before = headers[key];
    headers[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  headers['user-agent'] ??= PROBE_USER_AGENT;
  headers['accept'] ??= '*/*';
  headers['connection'] = 'close';
  return headers;
}

function get(url: URL, headers: http.OutgoingHttpHeaders, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method: 'GET', headers, agent: false, signal, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) res.destroy();
      });
      const done = () =>
        resolve({
          status: res.statusCode ?? 0,
          location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
        });
      res.on('end', done);
      res.on('close', () => (size >= MAX_BODY_BYTES ? done() : undefined));
      res.on('error', (err) => (size >= MAX_BODY_BYTES ? done() : reject(err)));
    });
    req.on('error', reject);
    req.end();
  });
}

function describeRequestError(url: URL, err: unknown, deadline: AbortSignal): string {
  const prefix = `Get "${url.href}"`;
  if (deadline.aborted) return `${prefix}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return `${prefix}: ${describeDialError(joinHostPort(url.hostname.replace(/^\[|\]$/g, ''), port), err)}`;
}

import { type Agent, request } from 'node:https';

/** Who talks to the apiserver, and how: a client certificate, a bearer token, or nobody. */
export interface ApiTarget {
  server: string;
  caCert: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: any;
}

export interface ApiRequestOptions {
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  agent?: Agent;
}

/**
 * One raw HTTPS request to the apiserver. Tests that must send what a typed client
 * cannot (malformed bodies, wrong content types, huge payloads) and benchmarks use it.
 */
export function apiRequest(target: ApiTarget, method: string, path: string, opts: ApiRequestOptions = {}): Promise<ApiResponse> {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, target.server),
      {
        method,
        headers,
        ca: target.caCert,
        cert: target.clientCert,
        key: target.clientKey,
        agent: opts.agent,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

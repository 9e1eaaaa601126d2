import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { ResourceInfo, ObjectMeta, ListMeta, Status } from '@skiff/api';
import { ApiStatusError, statusFromResponse } from './api-status-error.ts';
import { loadKubeconfig, type RestConfig } from './kubeconfig.ts';
import { parseJsonLines } from './parse-json-lines.ts';
import { sleep } from './sleep.ts';

/** client-go's maxRetries: attempts after the first that a Retry-After answer may ask for. */
const MAX_RETRIES = 10;
/** The longest a Retry-After makes a request wait per attempt (the apiserver asks for 1 s). */
const MAX_RETRY_AFTER_MS = 5_000;

/** The least every API object has; typed callers narrow with the generic parameter. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface KubeList<T> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
export type WatchEvent<T> = { type: WatchEventType; object: T } | { type: 'ERROR'; object: Status };

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Events after this revision; absent means "from now" (after a synthetic ADDED per object). */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Server-side end of the stream; the iterable then finishes normally. */
  timeoutSeconds?: number;
  /** Aborting ends the iteration normally (no error). */
  signal?: AbortSignal;
}

export interface WriteOptions {
  subresource?: string;
  dryRun?: boolean;
  fieldManager?: string;
  /** Unknown fields: refused (Strict), dropped with a warning (Warn, the server's default) or dropped (Ignore). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  signal?: AbortSignal;
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take over fields owned by other managers. */
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Whom every request acts as (kubectl's --as / --as-group): the server checks the caller may impersonate them. */
export interface Impersonation {
  user: string;
  groups?: string[];
}

/** The server's address and credentials, with the impersonation a RestClient was given (streams opened beside it send it too). */
export type ClientConfig = RestConfig & { impersonate?: Impersonation };

/** `Impersonate-User`, and one `Impersonate-Group` header per group (Node sends an array as repeated headers). */
export function impersonationHeaders(config: ClientConfig): Record<string, string | string[]> {
  const imp = config.impersonate;
  if (!imp) return {};
  const headers: Record<string, string | string[]> = { 'impersonate-user': imp.user };
  if (imp.groups?.length) headers['impersonate-group'] = [...imp.groups];
  return headers;
}

export interface RestClientOptions {
  /** Per-request timeout for everything but watches (default 30 s); each attempt has its own. */
  timeoutMs?: number;
  userAgent?: string;
  /** Retries a 429 or 5xx answer with Retry-After may ask for (default 10, as client-go; 0: none). */
  maxRetries?: number;
  /** Act as this user (and groups) on every request: `Impersonate-User` / `Impersonate-Group` headers. */
  impersonate?: Impersonation;
}

/**
 * A typed client for Skiff's (and Kubernetes') REST API, addressed by ResourceInfo,
 * namespace and name. Every answer is parsed JSON; every non-2xx answer throws an
 * ApiStatusError with the server's Status. One keep-alive agent per client, so
 * informers and controllers reuse their TLS connections.
 *
 * As client-go's checkWait: a 429 or 5xx answer carrying `Retry-After: <seconds>` (the
 * apiserver's max-in-flight refusal) is sent again after that many seconds (at most 5 s a
 * time), up to 10 times, whatever the verb: the server did not act on it. A watch retries
 * its opening request only. The answer of the last attempt is what the caller gets.
 */
export class RestClient {
  /** Carries the impersonation given, so streams opened with it (kubectl's exec, logs) act as the same user. */
  config: ClientConfig;
  #agent: HttpsAgent | HttpAgent;
  /** Agents replaced by a certificate rotation: their open requests (watches) run on; closed with the client. */
  readonly #retired: (HttpsAgent | HttpAgent)[] = [];
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #secure: boolean;
  readonly #maxRetries: number;

  constructor(config: RestConfig, opts: RestClientOptions = {}) {
    this.config = opts.impersonate ? { ...config, impersonate: opts.impersonate } : config;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#userAgent = opts.userAgent ?? 'skiff-client';
    this.#maxRetries = opts.maxRetries ?? MAX_RETRIES;
    this.#secure = config.server.startsWith('https:');
    this.#agent = this.#makeAgent(config);
  }

  #makeAgent(config: RestConfig): HttpsAgent | HttpAgent {
    return this.#secure
      ? new HttpsAgent({
          keepAlive: true,
          ca: config.caCert,
          cert: config.clientCert,
          key: config.clientKey,
          rejectUnauthorized: !config.insecureSkipTlsVerify,
        })
      : new HttpAgent({ keepAlive: true });
  }

  /**
   * A renewed client certificate (rotation): new requests present it at once; requests already
   * open (watches) keep their connection and its old certificate until they end, as client-go's
   * certificate manager does. Idle sockets of the old agent are closed.
   */
  setClientCertificate(cert: string, key: string): void {
    this.config = { ...this.config, clientCert: cert, clientKey: key };
    const old = this.#agent;
    this.#agent = this.#makeAgent(this.config);
    this.#retired.push(old);
    // Idle keep-alive sockets go now; busy ones are closed when their response ends.
    for (const sockets of Object.values(old.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    old.on('free', (socket: { destroy(): void }) => socket.destroy());
  }

  static fromKubeconfig(path: string, opts: RestClientOptions & { context?: string } = {}): RestClient {
    return new RestClient(loadKubeconfig(path, opts.context), opts);
  }

  /** Closes idle keep-alive sockets; open watches end as their sockets close. */
  close(): void {
    this.#agent.destroy();
    for (const agent of this.#retired.splice(0)) agent.destroy();
  }

  get<T extends KubeObject>(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: { subresource?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.request<T>('GET', resourcePath(res, namespace, name, opts.subresource), { signal: opts.signal });
  }

  /** One page (or all, without `limit`) of a collection; namespace undefined means all namespaces. */
  list<T extends KubeObject>(res: ResourceInfo, namespace?: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const { signal, ...query } = opts;
    return this.request<KubeList<T>>('GET', resourcePath(res, namespace), { query: { ...query }, signal });
  }

  /**
   * POSTs `obj` to its collection (namespace from `obj.metadata.namespace` unless given).
   * With `subresource` it POSTs to `<name>/<subresource>`, e.g. a Binding to pods/NAME/binding.
   */
  create<T extends KubeObject>(res: ResourceInfo, obj: T, opts: WriteOptions & { namespace?: string; name?: string } = {}): Promise<T> {
    const namespace = res.namespaced ? (opts.namespace ?? obj.metadata?.namespace) : undefined;
    const path = opts.subresource ? resourcePath(res, namespace, opts.name ?? obj.metadata?.name ?? '', opts.subresource) : resourcePath(res, namespace);
    return this.request<T>('POST', path, { body: obj, query: writeQuery(opts), signal: opts.signal });
  }

  /** PUT of the whole object (or of its status/scale subresource); resourceVersion makes it compare-and-swap. */
  update<T extends KubeObject>(res: ResourceInfo, obj: T, opts: WriteOptions = {}): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`update ${res.resource}: object has no metadata.name`);
    const namespace = res.namespaced ? obj.metadata?.namespace : undefined;
    return this.request<T>('PUT', resourcePath(res, namespace, name, opts.subresource), { body: obj, query: writeQuery(opts), signal: opts.signal });
  }

  patch<T extends KubeObject>(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) throw new Error(`patch ${res.resource} ${name}: server-side apply needs a fieldManager`);
    return this.request<T>('PATCH', resourcePath(res, namespace, name, opts.subresource), {
      body: patch,
      contentType: patchContentTypes[type],
      query: { ...writeQuery(opts), force: opts.force },
      signal: opts.signal,
    });
  }

  /** Answers the object as it stands (finalizers/grace pending) or the Status the server returned. */
  delete<T extends KubeObject = KubeObject>(res: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    const { signal, dryRun, ...rest } = opts;
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...rest, ...(dryRun ? { dryRun: ['All'] } : {}) };
    return this.request<T | Status>('DELETE', resourcePath(res, namespace, name), { body, signal });
  }

  /**
   * Streams events of a collection. Non-2xx at the start throws ApiStatusError (410 when
   * the resourceVersion is compacted); once streaming, a 410 arrives as an ERROR event.
   */
  async *watch<T extends KubeObject>(res: ResourceInfo, namespace?: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const { signal, ...query } = opts;
    if (signal?.aborted) return;
    const path = resourcePath(res, namespace);
    let response: IncomingMessage;
    try {
      response = await this.#openRetrying('GET', path, { query: { ...query, watch: true }, signal }, 0);
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    try {
      if (!isSuccess(response.statusCode)) {
        const text = await readBody(response);
        throw new ApiStatusError(statusFromResponse(response.statusCode ?? 0, text), `GET ${path}?watch=true`);
      }
      for await (const value of parseJsonLines(response)) yield value as WatchEvent<T>;
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      response.destroy();
    }
  }

  /** The low-level verb: any path, parsed JSON back, ApiStatusError on non-2xx. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const response = await this.#openRetrying(method, path, opts, this.#timeoutMs);
    const text = await readBody(response);
    if (!isSuccess(response.statusCode)) {
      throw new ApiStatusError(statusFromResponse(response.statusCode ?? 0, text), `${method} ${path}`);
    }
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw new Error(`${method} ${path}: answer is not JSON`, { cause });
    }
  }

  /** #open, sent again while the server answers 429/5xx with Retry-After (client-go's checkWait). */
  async #openRetrying(method: string, path: string, opts: RequestOptions, timeoutMs: number): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#open(method, path, opts, timeoutMs);
      const waitMs = attempt < this.#maxRetries ? retryAfterMs(response) : undefined;
      if (waitMs === undefined || opts.signal?.aborted) return response;
      response.resume();
      await sleep(waitMs, opts.signal);
      // Aborted while waiting: the next #open rejects with the abort, as a request aborted in flight.
    }
  }

  #open(method: string, path: string, opts: RequestOptions, timeoutMs: number): Promise<IncomingMessage> {
    const url = new URL(this.config.server + path + queryString(opts.query));
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string | number | string[]> = {
      accept: 'application/json',
      'user-agent': this.#userAgent,
      ...impersonationHeaders(this.config),
    };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    if (body) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = body.length;
    }
    const send = this.#secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.#agent, signal: opts.signal }, resolve);
      req.on('error', (cause) => reject(new Error(`${method} ${url.pathname}: ${cause.message}`, { cause })));
      // The timeout covers the whole exchange for plain requests (not for watches: 0).
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      }
      req.end(body);
    });
  }
}

/** `/api/v1/namespaces/ns/pods/name/status`, `/apis/apps/v1/deployments`, ... */
export function resourcePath(res: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  const root = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  let path = root;
  if (res.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${res.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager, fieldValidation: opts.fieldValidation };
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** How long a 429 or 5xx answer asks the client to wait before sending again; undefined: do not. */
function retryAfterMs(response: IncomingMessage): number | undefined {
  const code = response.statusCode ?? 0;
  if (code !== 429 && code < 500) return undefined;
  const header = response.headers['retry-after'];
  // Seconds only: client-go ignores the HTTP-date form too.
  if (typeof header !== 'string' || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Math.min(Number(header) * 1000, MAX_RETRY_AFTER_MS);
}

function isSuccess(code: number | undefined): boolean {
  return code !== undefined && code >= 200 && code < 300;
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The requests RestClient cannot make: `kubectl get` asks the server for meta.k8s.io
 * Tables (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), for lists, single objects
 * and watch streams. Same TLS material and error type as RestClient.
 */
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { ApiStatusError, impersonationHeaders, parseJsonLines, statusFromResponse, type ClientConfig } from '@skiff/client';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface TableColumn {
  name: string;
  type: string;
  format?: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string } };
}

export interface Table {
  kind: 'Table';
  metadata?: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export type TableWatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Table } | { type: 'ERROR' | 'BOOKMARK'; object: Record<string, unknown> };

function queryString(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class TableClient {
  readonly #config: ClientConfig;
  readonly #agent: HttpsAgent | HttpAgent;
  readonly #secure: boolean;

  constructor(config: ClientConfig) {
    this.#config = config;
    this.#secure = config.server.startsWith('https:');
    this.#agent = this.#secure
      ? new HttpsAgent({
          keepAlive: true,
          ca: config.caCert,
          cert: config.clientCert,
          key: config.clientKey,
          rejectUnauthorized: !config.insecureSkipTlsVerify,
        })
      : new HttpAgent({ keepAlive: true });
  }

  close(): void {
    this.#agent.destroy();
  }

  #open(path: string, query: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(this.#config.server + path + queryString(query));
    const headers: Record<string, string | string[]> = { accept: TABLE_ACCEPT, 'user-agent': 'skiff-kubectl', ...impersonationHeaders(this.#config) };
    if (this.#config.token) headers.authorization = `Bearer ${this.#config.token}`;
    const send = this.#secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'GET', headers, agent: this.#agent, signal }, resolve);
      req.on('error', (cause) => reject(new Error(`GET ${url.pathname}: ${cause.message}`, { cause })));
      req.end();
    });
  }

  /** GET of a collection or one object, as a Table. */
  async get(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<Table> {
    const response = await this.#open(path, query);
    const text = await readBody(response);
    const code = response.statusCode ?? 0;
    if (code < 200 || code >= 300) throw new ApiStatusError(statusFromResponse(code, text), `GET ${path}`);
    return JSON.parse(text) as Table;
  }

  /** Watch of a collection with Table-shaped events; ends when `signal` aborts or the server closes. */
  async *watch(path: string, query: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): AsyncGenerator<TableWatchEvent> {
    let response: IncomingMessage;
    try {
      response = await this.#open(path, { ...query, watch: true }, signal);
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    try {
      const code = response.statusCode ?? 0;
      if (code < 200 || code >= 300) throw new ApiStatusError(statusFromResponse(code, await readBody(response)), `GET ${path}?watch=true`);
      for await (const ev of parseJsonLines(response)) yield ev as TableWatchEvent;
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      response.destroy();
    }
  }
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

import { request } from 'node:https';
import type { ApiTarget } from './api-request.ts';

export interface StreamedEvent {
  type: string;
  object: any;
}

export interface WatchStream {
  /** Every event received so far, in order. */
  events: StreamedEvent[];
  /** HTTP status of the watch response. */
  status: number;
  /** Resolves when `predicate(events)` holds; rejects after timeoutMs with what arrived. */
  waitFor(predicate: (events: StreamedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream (or close() is called). */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens `?watch=true` and collects newline-delimited JSON events — the wire format
 * kubectl and client-go read — without a client library in between, so tests see
 * exactly what the server sends.
 */
export function openWatch(target: ApiTarget, path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const events: StreamedEvent[] = [];
    const waiters = new Set<() => void>();
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => (endedResolve = r));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (target.token) headers.authorization = `Bearer ${target.token}`;
    const req = request(new URL(path, target.server), { headers, ca: target.caCert, cert: target.clientCert, key: target.clientKey }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) events.push(JSON.parse(line) as StreamedEvent);
        }
        waiters.forEach((check) => check());
      });
      res.on('end', () => {
        const rest = buffered.trim();
        if (rest) {
          try {
            events.push(JSON.parse(rest) as StreamedEvent);
          } catch {
            // A non-event body (e.g. an error Status for a failed watch) is kept as raw text.
            events.push({ type: 'RAW', object: rest });
          }
        }
        waiters.forEach((check) => check());
        endedResolve();
      });
      res.on('error', () => endedResolve());
      res.on('close', () => endedResolve());
      resolve({
        events,
        status: res.statusCode ?? 0,
        ended,
        close: () => req.destroy(),
        waitFor(predicate, timeoutMs = 20_000) {
          return new Promise<void>((ok, fail) => {
            const check = () => {
              if (predicate(events)) {
                clearTimeout(timer);
                waiters.delete(check);
                ok();
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(`watch ${path}: condition not met in ${timeoutMs} ms; ${events.length} events: ${JSON.stringify(events.slice(-3)).slice(0, 600)}`),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      });
    });
    req.on('error', (err) => {
      endedResolve();
      reject(err);
    });
    req.end();
  });
}

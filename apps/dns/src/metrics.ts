import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface DnsMetrics {
  queries: Counter<'type' | 'rcode' | 'zone'>;
  cacheHits: Counter;
  cacheMisses: Counter;
  cacheEntries: Gauge;
  upstreamDuration: Histogram<'outcome'>;
}

/** CoreDNS-like series: requests by type and rcode, cache hit/miss, upstream latency. */
export function createDnsMetrics(registry: Registry): DnsMetrics {
  return {
    queries: new Counter({
      name: 'skiff_dns_queries_total',
      help: 'DNS queries answered, by question type, response code and zone (cluster or forward).',
      labelNames: ['type', 'rcode', 'zone'],
      registers: [registry],
    }),
    cacheHits: new Counter({ name: 'skiff_dns_cache_hits_total', help: 'Forwarded questions answered from the cache.', registers: [registry] }),
    cacheMisses: new Counter({ name: 'skiff_dns_cache_misses_total', help: 'Forwarded questions not in the cache.', registers: [registry] }),
    cacheEntries: new Gauge({ name: 'skiff_dns_cache_entries', help: 'Entries in the forwarding cache.', registers: [registry] }),
    upstreamDuration: new Histogram({
      name: 'skiff_dns_upstream_duration_seconds',
      help: 'Time of one exchange with an upstream resolver, by outcome (its rcode, or error).',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
  };
}

import type { Answer } from 'dns-packet';

/** The parts of an upstream reply worth keeping: header rcode and the three record sections. */
export interface CachedReply {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ResponseCacheOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries?: number;
  /** Upper bound on any entry's life, whatever the upstream TTL says. */
  maxTtlSeconds?: number;
  now?: () => number;
}

interface Entry {
  reply: CachedReply;
  storedAt: number;
  expiresAt: number;
}

const NOERROR = 0;
const NXDOMAIN = 3;

/**
 * A small TTL-respecting cache of upstream replies, keyed by question. Positive answers
 * live as long as their shortest record; NXDOMAIN and NODATA live as long as the SOA in
 * authority allows (min of its TTL and its MINIMUM field, RFC 2308 §5). Errors are never
 * cached. Replies come back with TTLs counted down, so downstream caches do not stretch
 * a record's life. A Map keeps insertion order, which makes it an LRU when hits re-insert.
 */
export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxTtl: number;
  readonly #now: () => number;

  constructor(opts: ResponseCacheOptions = {}) {
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#maxTtl = opts.maxTtlSeconds ?? 300;
    this.#now = opts.now ?? Date.now;
  }

  static keyFor(name: string, type: string, cls = 'IN'): string {
    return `${name.toLowerCase().replace(/\.+$/, '')}|${type}|${cls}`;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CachedReply | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const now = this.#now();
    if (now >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const elapsed = Math.floor((now - entry.storedAt) / 1000);
    const age = (rrs: Answer[]) => rrs.map((rr) => ('ttl' in rr && rr.ttl !== undefined ? { ...rr, ttl: Math.max(0, rr.ttl - elapsed) } : rr) as Answer);
    const { reply } = entry;
    return { rcode: reply.rcode, answers: age(reply.answers), authorities: age(reply.authorities), additionals: age(reply.additionals) };
  }

  /** Stores the reply if it is cacheable; returns the TTL used (0: not stored). */
  set(key: string, reply: CachedReply): number {
    const ttl = Math.min(cacheTtl(reply), this.#maxTtl);
    if (ttl <= 0) return 0;
    const now = this.#now();
    this.#entries.delete(key);
    this.#entries.set(key, {
      reply: { ...reply, additionals: reply.additionals.filter((rr) => rr.type !== 'OPT') },
      storedAt: now,
      expiresAt: now + ttl * 1000,
    });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return ttl;
  }
}

/** How long a reply may be cached, in seconds (0: not at all). */
export function cacheTtl(reply: CachedReply): number {
  if (reply.rcode !== NOERROR && reply.rcode !== NXDOMAIN) return 0;
  if (reply.answers.length > 0) return Math.min(...reply.answers.map(ttlOf));
  const soa = reply.authorities.find((rr) => rr.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return 0;
  return Math.min(ttlOf(soa), soa.data.minimum ?? 0);
}

function ttlOf(rr: Answer): number {
  return 'ttl' in rr && typeof rr.ttl === 'number' ? rr.ttl : 0;
}

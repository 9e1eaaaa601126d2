import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { cacheTtl, ResponseCache, type CachedReply } from './response-cache.ts';

const a = (ttl: number): Answer => ({ type: 'A', name: 'x.example', ttl, data: '192.0.2.1' });
const soa = (ttl: number, minimum: number): Answer => ({ type: 'SOA', name: 'example', ttl, data: { mname: 'ns', rname: 'h', minimum } });
const reply = (rcode: number, answers: Answer[], authorities: Answer[] = []): CachedReply => ({ rcode, answers, authorities, additionals: [] });

describe('cacheTtl', () => {
  const cases: Array<[string, CachedReply, number]> = [
    ['shortest answer wins', reply(0, [a(60), a(30)]), 30],
    ['NXDOMAIN uses min(SOA ttl, minimum)', reply(3, [], [soa(900, 120)]), 120],
    ['NODATA likewise', reply(0, [], [soa(20, 300)]), 20],
    ['negative without SOA is not cached', reply(3, []), 0],
    ['SERVFAIL is not cached', reply(2, [a(60)]), 0],
    ['TTL 0 is not cached', reply(0, [a(0)]), 0],
  ];
  for (const [name, r, want] of cases) it(name, () => assert.equal(cacheTtl(r), want));
});

describe('ResponseCache', () => {
  it('counts TTLs down and expires entries', () => {
    let now = 1_000_000;
    const cache = new ResponseCache({ now: () => now });
    const key = ResponseCache.keyFor('X.example.', 'A');
    assert.equal(key, 'x.example|A|IN');
    assert.equal(cache.set(key, reply(0, [a(10)])), 10);
    now += 3_500;
    assert.equal((cache.get(key)!.answers[0] as { ttl: number }).ttl, 7);
    now += 6_500;
    assert.equal(cache.get(key), undefined);
    assert.equal(cache.size, 0);
  });

  it('caps TTLs and evicts the least recently used', () => {
    let now = 0;
    const cache = new ResponseCache({ maxEntries: 2, maxTtlSeconds: 5, now: () => now });
    assert.equal(cache.set('a', reply(0, [a(3600)])), 5);
    cache.set('b', reply(0, [a(60)]));
    assert.ok(cache.get('a'), 'touch a: b is now the oldest');
    cache.set('c', reply(0, [a(60)]));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.ok(cache.get('a'));
    now += 5_000;
    assert.equal(cache.get('a'), undefined, 'the cap bounds life');
  });
});

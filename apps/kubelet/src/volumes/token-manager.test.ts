import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refreshFractionFromEnv, TokenManager, type IssuedToken, type TokenRequestSpec } from './token-manager.ts';

const SECOND = 1000;
const T0 = Date.parse('2026-12-07T12:00:00Z');

/** A fake TokenRequest API on an injected clock: each answer is token-<n>, expiring expirationSeconds from now. */
function fixture(opts: { refreshFraction?: number; jitterMs?: number; lifetimeSeconds?: number } = {}) {
  let now = T0;
  const calls: { namespace: string; serviceAccount: string; spec: TokenRequestSpec }[] = [];
  let fail: Error | undefined;
  const manager = new TokenManager({
    now: () => now,
    jitterMs: () => opts.jitterMs ?? 0,
    ...(opts.refreshFraction !== undefined ? { refreshFraction: opts.refreshFraction } : {}),
    requestToken: async (namespace, serviceAccount, spec): Promise<IssuedToken> => {
      calls.push({ namespace, serviceAccount, spec });
      if (fail) throw fail;
      const life = opts.lifetimeSeconds ?? spec.expirationSeconds;
      return { token: `token-${calls.length}`, expirationTimestamp: new Date(now + life * SECOND).toISOString() };
    },
  });
  return {
    manager,
    calls,
    advance(ms: number) {
      now += ms;
    },
    failWith(err: Error | undefined) {
      fail = err;
    },
  };
}

const spec = (over: Partial<TokenRequestSpec> = {}, uid = 'uid-1'): TokenRequestSpec => ({
  expirationSeconds: 600,
  boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid },
  ...over,
});

test('a token is cached until 80% of its life has passed, then refreshed', async () => {
  const f = fixture();
  const get = () => f.manager.getServiceAccountToken('ns1', 'default', spec());
  assert.equal(await get(), 'token-1');
  assert.deepEqual(f.calls[0], { namespace: 'ns1', serviceAccount: 'default', spec: spec() });
  // 600 s life: 80% is 480 s.
  f.advance(479 * SECOND);
  assert.equal(await get(), 'token-1');
  assert.equal(f.calls.length, 1);
  f.advance(1 * SECOND);
  assert.equal(await get(), 'token-2');
  assert.equal(f.calls.length, 2);
  // The new token's clock starts at its own arrival.
  f.advance(479 * SECOND);
  assert.equal(await get(), 'token-2');
  f.advance(1 * SECOND);
  assert.equal(await get(), 'token-3');
});

test('jitter moves the refresh earlier, never later', async () => {
  const f = fixture({ jitterMs: 10 * SECOND });
  await f.manager.getServiceAccountToken('ns1', 'default', spec());
  f.advance(469 * SECOND);
  assert.equal(await f.manager.getServiceAccountToken('ns1', 'default', spec()), 'token-1');
  f.advance(1 * SECOND);
  assert.equal(await f.manager.getServiceAccountToken('ns1', 'default', spec()), 'token-2');
});

test('a token older than 24 hours is refreshed whatever its expiry', async () => {
  // The apiserver may answer with a longer life than asked (upstream extends the kubelet's 3607 s tokens to a year).
  const f = fixture({ lifetimeSeconds: 365 * 24 * 3600 });
  const get = () => f.manager.getServiceAccountToken('ns1', 'default', spec({ expirationSeconds: 3607 }));
  assert.equal(await get(), 'token-1');
  f.advance(24 * 3600 * SECOND - 1);
  assert.equal(await get(), 'token-1');
  f.advance(1);
  assert.equal(await get(), 'token-2');
});

test('a shorter life than asked for (a server cap) refreshes at 80% of what was granted', async () => {
  const f = fixture({ lifetimeSeconds: 1000 });
  const get = () => f.manager.getServiceAccountToken('ns1', 'default', spec({ expirationSeconds: 3600 }));
  await get();
  f.advance(800 * SECOND);
  assert.equal(await get(), 'token-2');
});

test('the test refresh fraction: a 600 s token refreshes after 12 s at 0.02', async () => {
  const f = fixture({ refreshFraction: 0.02 });
  await f.manager.getServiceAccountToken('ns1', 'default', spec());
  f.advance(11 * SECOND);
  assert.equal(await f.manager.getServiceAccountToken('ns1', 'default', spec()), 'token-1');
  f.advance(1 * SECOND);
  assert.equal(await f.manager.getServiceAccountToken('ns1', 'default', spec()), 'token-2');
  assert.throws(() => new TokenManager({ requestToken: async () => ({ token: '', expirationTimestamp: '' }), refreshFraction: 0 }), /refresh fraction/);
});

test('a failed refresh keeps the old token until it expires; then, and without any token, it is an error', async () => {
  const f = fixture();
  const get = () => f.manager.getServiceAccountToken('ns1', 'default', spec());
  f.failWith(new Error('serviceaccounts "default" not found'));
  await assert.rejects(get(), /^Error: failed to fetch token: serviceaccounts "default" not found$/);
  f.failWith(undefined);
  assert.equal(await get(), 'token-2');
  f.advance(500 * SECOND);
  f.failWith(new Error('connection refused'));
  assert.equal(await get(), 'token-2', 'still valid: served while the API is away');
  f.advance(100 * SECOND);
  await assert.rejects(get(), /token .* expired and refresh failed: connection refused/);
  f.failWith(undefined);
  assert.equal(await get(), 'token-5');
});

test('an answer without a token or expiry is an error', async () => {
  const manager = new TokenManager({ requestToken: async () => ({ token: '', expirationTimestamp: '' }) });
  await assert.rejects(manager.getServiceAccountToken('ns1', 'default', spec()), /no token or expirationTimestamp/);
});

test("tokens are kept apart by audience, expiration, service account and pod; a pod's go with it", async () => {
  const f = fixture();
  const m = f.manager;
  const a = await m.getServiceAccountToken('ns1', 'default', spec());
  const b = await m.getServiceAccountToken('ns1', 'default', spec({ audiences: ['vault'] }));
  const c = await m.getServiceAccountToken('ns1', 'default', spec({ expirationSeconds: 3607 }));
  const d = await m.getServiceAccountToken('ns1', 'builder', spec());
  const e = await m.getServiceAccountToken('ns1', 'default', spec({}, 'uid-2'));
  assert.equal(new Set([a, b, c, d, e]).size, 5);
  assert.equal(m.size, 5);
  m.deletePodTokens('uid-1');
  assert.equal(m.size, 1);
  assert.equal(await m.getServiceAccountToken('ns1', 'default', spec({}, 'uid-2')), e);
  assert.equal(await m.getServiceAccountToken('ns1', 'default', spec()), 'token-6', 'asked again after the pod went');
});

test('concurrent asks for one token make one request; expired tokens are collected', async () => {
  const f = fixture();
  const [x, y] = await Promise.all([f.manager.getServiceAccountToken('ns1', 'default', spec()), f.manager.getServiceAccountToken('ns1', 'default', spec())]);
  assert.equal(x, y);
  assert.equal(f.calls.length, 1);
  await f.manager.getServiceAccountToken('ns1', 'default', spec({}, 'uid-gone'));
  assert.equal(f.manager.size, 2);
  f.advance(601 * SECOND);
  await f.manager.getServiceAccountToken('ns1', 'default', spec());
  assert.equal(f.manager.size, 1, 'the expired token of a pod never torn down is dropped');
});

test('SKIFF_TEST_TOKEN_REFRESH_FRACTION', () => {
  assert.equal(refreshFractionFromEnv({}), undefined);
  assert.equal(refreshFractionFromEnv({ SKIFF_TEST_TOKEN_REFRESH_FRACTION: '0.05' }), 0.05);
  assert.throws(() => refreshFractionFromEnv({ SKIFF_TEST_TOKEN_REFRESH_FRACTION: '2' }), /must be a number in \(0, 1\]/);
  assert.throws(() => refreshFractionFromEnv({ SKIFF_TEST_TOKEN_REFRESH_FRACTION: 'soon' }), /must be a number/);
});

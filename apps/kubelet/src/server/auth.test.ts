import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ALLOWED_TTL_MS, DENIED_TTL_MS, KubeletAuth, subresourceOf, verbOf, type ReviewPoster } from './auth.ts';

interface FakeRequest {
  method?: string;
  url?: string;
  cn?: string;
  o?: string[];
  token?: string;
}

function request(r: FakeRequest): IncomingMessage {
  const cert = r.cn ? { subject: { CN: r.cn, ...(r.o ? { O: r.o.length === 1 ? r.o[0] : r.o } : {}) } } : {};
  return {
    method: r.method ?? 'GET',
    url: r.url ?? '/stats/summary',
    headers: r.token ? { authorization: `Bearer ${r.token}` } : {},
    socket: { authorized: r.cn !== undefined, getPeerCertificate: () => cert },
  } as unknown as IncomingMessage;
}

/** An apiserver that allows `allowed` users and knows one token. */
function fakeApiserver(allowed: Set<string>): { post: ReviewPoster; reviews: Array<{ path: string; body: any }> } {
  const reviews: Array<{ path: string; body: any }> = [];
  const post: ReviewPoster = async (path, body: any) => {
    reviews.push({ path, body });
    if (path.endsWith('/tokenreviews')) {
      const ok = body.spec.token === 'good-token';
      return {
        status: ok ? { authenticated: true, user: { username: 'system:serviceaccount:ns:sa', groups: ['system:serviceaccounts'] } } : { authenticated: false },
      };
    }
    return { status: { allowed: allowed.has(body.spec.user) } };
  };
  return { post, reviews };
}

describe('kubelet API authorization', () => {
  it('maps paths and methods as upstream', () => {
    const table: Array<[string, string]> = [
      ['/stats/summary', 'stats'],
      ['/stats', 'stats'],
      ['/metrics', 'metrics'],
      ['/metrics/cadvisor', 'metrics'],
      ['/logs/syslog', 'log'],
      ['/spec/', 'spec'],
      ['/exec/ns/pod/c', 'proxy'],
      ['/containerLogs/ns/p/c', 'proxy'],
      ['/portForward/ns/p', 'proxy'],
      ['/run/ns/p/c', 'proxy'],
      ['/statsx', 'proxy'],
      ['/pods', 'proxy'],
    ];
    for (const [path, sub] of table) assert.equal(subresourceOf(path), sub, path);
    assert.deepEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map(verbOf), ['get', 'get', 'create', 'update', 'patch', 'delete']);
  });

  it('asks the apiserver about nodes/<sub> of this node and answers 403 as upstream', async () => {
    const api = fakeApiserver(new Set(['kube-apiserver-kubelet-client']));
    const auth = new KubeletAuth({ mode: 'Webhook', nodeName: 'n1', hasClientCa: true, post: api.post });
    assert.equal((await auth.check(request({ cn: 'kube-apiserver-kubelet-client', method: 'POST', url: '/exec/ns/p/c' }))).ok, true);
    assert.deepEqual(api.reviews[0]!.body.spec, {
      user: 'kube-apiserver-kubelet-client',
      groups: ['system:authenticated'],
      resourceAttributes: { verb: 'create', resource: 'nodes', name: 'n1', subresource: 'proxy' },
    });
    const denied = await auth.check(request({ cn: 'system:kube-proxy', url: '/stats/summary' }));
    assert.deepEqual(denied, { ok: false, code: 403, message: 'Forbidden (user=system:kube-proxy, verb=get, resource=nodes, subresource=stats)' });
  });

  it('refuses no certificate (or an unverified one) and a bad token with 401', async () => {
    const api = fakeApiserver(new Set());
    const auth = new KubeletAuth({ mode: 'Webhook', nodeName: 'n1', hasClientCa: true, post: api.post });
    assert.equal((await auth.check(request({}))).ok, false);
    assert.deepEqual(await auth.check(request({ token: 'bad' })), { ok: false, code: 401, message: 'Unauthorized' });
    const noCa = new KubeletAuth({ mode: 'AlwaysAllow', nodeName: 'n1', hasClientCa: false });
    assert.equal((await noCa.check(request({ cn: 'admin' }))).ok, false);
  });

  it('authenticates a bearer token by TokenReview and authorizes its user', async () => {
    const api = fakeApiserver(new Set(['system:serviceaccount:ns:sa']));
    const auth = new KubeletAuth({ mode: 'Webhook', nodeName: 'n1', hasClientCa: true, post: api.post });
    const result = await auth.check(request({ token: 'good-token', url: '/metrics' }));
    assert.equal(result.ok, true);
    assert.equal(api.reviews.filter((r) => r.path.endsWith('/tokenreviews')).length, 1);
    assert.equal(api.reviews[1]!.body.spec.resourceAttributes.subresource, 'metrics');
  });

  it('caches allowed for 5 minutes and denied for 30 seconds, sharing concurrent lookups', async () => {
    let now = 0;
    const allowed = new Set(['ops']);
    const api = fakeApiserver(allowed);
    const auth = new KubeletAuth({ mode: 'Webhook', nodeName: 'n1', hasClientCa: true, post: api.post, now: () => now });
    await Promise.all([1, 2, 3].map(() => auth.check(request({ cn: 'ops' }))));
    assert.equal(api.reviews.length, 1);
    allowed.delete('ops');
    now = ALLOWED_TTL_MS - 1;
    assert.equal((await auth.check(request({ cn: 'ops' }))).ok, true);
    now = ALLOWED_TTL_MS + 1;
    assert.equal((await auth.check(request({ cn: 'ops' }))).ok, false);
    allowed.add('ops');
    now += DENIED_TTL_MS - 1;
    assert.equal((await auth.check(request({ cn: 'ops' }))).ok, false);
    now += 2;
    assert.equal((await auth.check(request({ cn: 'ops' }))).ok, true);
    assert.equal(api.reviews.length, 3);
  });

  it('answers 500 and does not cache when the apiserver cannot be asked', async () => {
    let fail = true;
    const auth = new KubeletAuth({
      mode: 'Webhook',
      nodeName: 'n1',
      hasClientCa: true,
      post: async () => {
        if (fail) throw new Error('connection refused');
        return { status: { allowed: true } };
      },
    });
    const result = await auth.check(request({ cn: 'ops' }));
    assert.deepEqual(result, { ok: false, code: 500, message: 'Authorization error (user=ops, verb=get, resource=nodes, subresource=stats)' });
    fail = false;
    assert.equal((await auth.check(request({ cn: 'ops' }))).ok, true);
  });

  it('AlwaysAllow admits any authenticated caller without a review', async () => {
    const auth = new KubeletAuth({ mode: 'AlwaysAllow', nodeName: 'n1', hasClientCa: true });
    assert.equal((await auth.check(request({ cn: 'anyone' }))).ok, true);
  });
});

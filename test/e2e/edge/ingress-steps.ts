/**
 * The ingress steps of the edge suite (issue #17 §1, §6): the built-in controller on every lab node's
 * :80 and :443 in front of the suite's apps (web: three replicas of skiff/web:v1; solo: one; nobody:
 * no endpoints), by host and by path, 404/503, TLS by SNI with two certificates, an Ingress change under
 * load with no failed request, and the node addresses in the Ingress status. Requests go from this
 * process to each node's lab address, as a browser on the home network would.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { it } from 'node:test';
import { findResourceByKind, type Ingress } from '@skiff/api';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { waitFor } from '../cluster-checks.ts';
import type { EdgeContext } from './edge-context.ts';

const INGRESSES = findResourceByKind('networking.k8s.io/v1', 'Ingress')!;
const TLS_HOSTS = ['one.lab.test', 'two.lab.test'];
/** The self-signed certificate the controller shows for names it has none for. */
const FALLBACK_CN = 'Skiff Ingress Controller Fake Certificate';

type Answer = { status: number; body: string };

/** One GET on a fresh connection, with the Host header a browser would send for `host`. */
function getVia(ip: string, host: string, path = '/', tls = false, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const opts = {
      host: ip,
      port: tls ? 443 : 80,
      path,
      agent: false as const,
      timeout: timeoutMs,
      headers: { host },
      servername: host,
      rejectUnauthorized: false,
    };
    const req = (tls ? httpsRequest : request)(opts, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (body += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** "skiff web v1 on web-7d9c-abcde" → "web" (the app whose pod answered). */
const appOf = (a: Answer) => (a.status === 200 ? (a.body.match(/ on ([a-z]+)-/)?.[1] ?? a.body) : `HTTP ${a.status}`);

function peerCN(ip: string, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: ip, port: 443, servername, rejectUnauthorized: false, timeout: 5000 }, () => {
      const cn = String(socket.getPeerCertificate().subject?.CN);
      socket.end();
      resolve(cn);
    });
    socket.on('timeout', () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

const path = (p: string, service: string, pathType = 'Prefix') =>
  `{ path: ${p}, pathType: ${pathType}, backend: { service: { name: ${service}, port: { name: http } } } }`;

/** An Ingress of class skiff in default: `body` is the YAML under spec after the class (tls, rules). */
const ingress = (name: string, body: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: default }
spec:
  ingressClassName: skiff
${body}`;

const APPS_INGRESS = ingress(
  'edge-apps',
  `  rules:
    - host: web.lab.test
      http: { paths: [${path('/', 'web')}] }
    - host: solo.lab.test
      http: { paths: [${path('/', 'solo')}] }
    - host: paths.lab.test
      http: { paths: [${path('/', 'web')}, ${path('/index.html', 'solo', 'Exact')}, ${path('/down', 'nobody')}] }
    - host: prefix.lab.test
      http: { paths: [${path('/index.html', 'solo')}] }
`,
);

const loadIngress = (service: string) =>
  ingress(
    'edge-load',
    `  rules:
    - host: load.lab.test
      http: { paths: [${path('/', service)}] }
`,
  );

const TLS_INGRESS = ingress(
  'edge-tls',
  `  tls:
${TLS_HOSTS.map((h) => `    - { hosts: [${h}], secretName: ${h.split('.')[0]}-tls }`).join('\n')}
  rules:
${TLS_HOSTS.map((h) => `    - host: ${h}\n      http: { paths: [${path('/', 'web')}] }`).join('\n')}
`,
);

function tlsSecret(name: string, cert: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return `apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: default }
type: kubernetes.io/tls
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(key)} }
`;
}

export function registerIngressSteps(ctx: EdgeContext): void {
  const ips = () => ctx.lab.nodes.map((n) => n.ip);

  it("ingress: two apps behind one Ingress by host and by path on every node's :80", async () => {
    await ctx.kc(['apply', '-f', '-'], APPS_INGRESS);
    for (const ip of ips()) {
      await waitFor(
        `web.lab.test on ${ip}:80`,
        async () => {
          const app = appOf(await getVia(ip, 'web.lab.test'));
          return app === 'web' ? undefined : app;
        },
        60_000,
      );
      assert.equal(appOf(await getVia(ip, 'solo.lab.test')), 'solo', `solo.lab.test on ${ip}`);
      assert.equal(appOf(await getVia(ip, 'SOLO.lab.test:80')), 'solo', 'host names match case-insensitively, port ignored');
      // Both apps serve /index.html: the Exact path sends it to solo, everything else under / to web.
      assert.equal(appOf(await getVia(ip, 'paths.lab.test', '/index.html')), 'solo', `paths.lab.test/index.html on ${ip}`);
      assert.equal(appOf(await getVia(ip, 'paths.lab.test', '/')), 'web', `paths.lab.test/ on ${ip}`);
      assert.equal(appOf(await getVia(ip, 'prefix.lab.test', '/index.html?x=1')), 'solo', `prefix.lab.test/index.html on ${ip}`);
    }
  });

  it('ingress: unknown hosts and paths get 404, a backend with no endpoint 503', async () => {
    for (const ip of ips()) {
      // Prefix /index.html matches element-wise: /index.htmlx is not under it, so no rule and no default backend.
      const unrouted = await getVia(ip, 'prefix.lab.test', '/index.htmlx');
      assert.deepEqual([unrouted.status, unrouted.body], [404, '404 Not Found'], `prefix.lab.test/index.htmlx on ${ip}`);
      const unknown = await getVia(ip, 'nobody-knows.lab.test');
      assert.deepEqual([unknown.status, unknown.body], [404, '404 Not Found'], `unknown host on ${ip}`);
      const down = await getVia(ip, 'paths.lab.test', '/down');
      assert.deepEqual([down.status, down.body], [503, '503 Service Unavailable'], `no ready endpoint on ${ip}`);
    }
  });

  it('ingress: TLS on :443 with the right certificate by SNI, the fallback for unknown names', async () => {
    const ca = await createCertificateAuthority('edge-ingress-ca', 1);
    for (const host of TLS_HOSTS) {
      const pair = await issueCertificate(ca, { commonName: host, hosts: [host], usage: 'server', validityDays: 1 });
      await ctx.kc(['apply', '-f', '-'], tlsSecret(`${host.split('.')[0]}-tls`, pair.cert, pair.key));
    }
    await ctx.kc(['apply', '-f', '-'], TLS_INGRESS);
    for (const ip of ips()) {
      for (const host of TLS_HOSTS) {
        await waitFor(
          `${host}'s certificate on ${ip}:443`,
          async () => {
            const cn = await peerCN(ip, host);
            return cn === host ? undefined : `CN ${cn}`;
          },
          60_000,
        );
      }
      assert.equal(await peerCN(ip, 'three.lab.test'), FALLBACK_CN);
      const answer = await getVia(ip, 'one.lab.test', '/', true);
      assert.equal(appOf(answer), 'web', `https://one.lab.test via ${ip}`);
    }
  });

  it('ingress: an Ingress change takes effect on every node with no failed request under load', async () => {
    await ctx.kc(['apply', '-f', '-'], loadIngress('web'));
    for (const ip of ips()) {
      await waitFor(`load.lab.test on ${ip}`, async () => (appOf(await getVia(ip, 'load.lab.test')) === 'web' ? undefined : 'not yet'), 60_000);
    }
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let requests = 0;
    let running = true;
    const loop = async (ip: string) => {
      while (running) {
        requests++;
        try {
          const app = appOf(await getVia(ip, 'load.lab.test'));
          seen.set(`${ip} ${app}`, (seen.get(`${ip} ${app}`) ?? 0) + 1);
          if (app !== 'web' && app !== 'solo') failures.push(`${ip}: ${app}`);
        } catch (err) {
          failures.push(`${ip}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const loops = [...ips(), ...ips()].map(loop);
    try {
      await new Promise((r) => setTimeout(r, 2000));
      await ctx.kc(['apply', '-f', '-'], loadIngress('solo'));
      await waitFor(
        'every node sending load.lab.test to solo',
        async () => {
          const missing = ips().filter((ip) => !seen.get(`${ip} solo`));
          return missing.length === 0 ? undefined : `not yet: ${missing.join(', ')}`;
        },
        60_000,
      );
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      running = false;
      await Promise.all(loops);
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${requests} requests failed`);
    for (const ip of ips()) assert.ok((seen.get(`${ip} web`) ?? 0) > 0, `${ip} served web before the change`);
  });

  it("ingress: status.loadBalancer.ingress lists every Ready node's address", async () => {
    const want = [...ips()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    await waitFor(
      'edge-apps status addresses',
      async () => {
        const ing = await ctx.client.get<Ingress>(INGRESSES, 'default', 'edge-apps');
        const have = (ing.status?.loadBalancer?.ingress ?? []).map((x) => x.ip ?? '');
        return JSON.stringify(have) === JSON.stringify(want) ? undefined : `have ${have.join(',') || 'none'}`;
      },
      60_000,
    );
    await ctx.kc(['delete', 'ingress', 'edge-apps', 'edge-tls', 'edge-load']);
    await ctx.kc(['delete', 'secret', ...TLS_HOSTS.map((h) => `${h.split('.')[0]}-tls`)]);
  });
}

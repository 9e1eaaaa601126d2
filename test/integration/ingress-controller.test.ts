/**
 * The built-in ingress controller against a real apiserver: it runs in this process as a component
 * on the ingress controller's own identity (system:skiff-ingress), listening on 127.0.0.1; backends are
 * small HTTP servers on loopback addresses (127.0.0.2, .3, ...) put behind Services by hand-made
 * EndpointSlices, as the endpointslice controller would for pods. A second instance runs on a node's
 * credential, as on a machine added with `skiff join`, which may not read Secrets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findResourceByKind, type EndpointSlice, type Ingress, type IngressClass, type Node, type Secret, type Service } from '@skiff/api';
import { RestClient, isAlreadyExists, loadKubeconfig } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { REPO_ROOT, eventually, identityFor, startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports 24200-24299 belong to this file: etcd 24200-24201, the apiserver 24290, the controllers
// 24210-24215, the backends 24220.
const BASE_PORT = 24200;
const API_PORT = 24290;
const HTTP = 24210;
const HTTPS = 24211;
const METRICS = 24212;
const NODE_HTTP = 24213;
const NODE_HTTPS = 24214;
const BACKEND_PORT = 24220;
const NS = 'default';

const NODES = findResourceByKind('v1', 'Node')!;
const SERVICES = findResourceByKind('v1', 'Service')!;
const SECRETS = findResourceByKind('v1', 'Secret')!;
const SLICES = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;
const INGRESSES = findResourceByKind('networking.k8s.io/v1', 'Ingress')!;
const CLASSES = findResourceByKind('networking.k8s.io/v1', 'IngressClass')!;

type IngressModule = {
  run(config: Record<string, unknown>, signal: AbortSignal, opts?: { logger?: unknown; onReady?: () => void; listenRetryMs?: number }): Promise<void>;
  FALLBACK_CERTIFICATE_CN: string;
};
const ingressApp = (await import(pathToFileURL(join(REPO_ROOT, 'apps/ingress/src/index.ts')).href)) as IngressModule;

/** Backend `name` on 127.0.0.<n>:BACKEND_PORT answers JSON naming itself, the URL and the headers it got; /ws echoes WebSocket text. */
function startBackend(name: string, n: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/stream') {
      // A streamed answer: the first chunk now, the rest half a second later.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${name} first\n`);
      setTimeout(() => res.end(`${name} last\n`), 500);
      return;
    }
    const body = JSON.stringify({ app: name, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('upgrade', (req: IncomingMessage, socket) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    // Echo short masked client text frames back unmasked, prefixed with the app's name; close when the peer does.
    socket.on('end', () => socket.end());
    socket.on('data', (frame: Buffer) => {
      if ((frame[0]! & 0x0f) !== 1) return socket.end();
      const len = frame[1]! & 0x7f;
      const mask = frame.subarray(2, 6);
      const text = Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!)).toString();
      const out = Buffer.from(`${name}:${text}`);
      socket.write(Buffer.concat([Buffer.from([0x81, out.length]), out]));
    });
  });
  return new Promise((resolve) => server.listen(BACKEND_PORT, `127.0.0.${n}`, () => resolve(server)));
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });

function get(host: string, path: string, port = HTTP): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: keepAlive, timeout: 5000 }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (body += c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function appAt(host: string, path: string): Promise<string> {
  const { status, body } = await get(host, path);
  return status === 200 ? (JSON.parse(body) as { app: string }).app : String(status);
}

/** The subject CN of the certificate the TLS listener presents for `servername`. */
function peerCN(servername: string, port = HTTPS): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

function service(name: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { ports: [{ name: 'http', port: 80, targetPort: BACKEND_PORT }] },
  } as Service;
}

function slice(svc: string, ips: string[], ready = true, port = BACKEND_PORT): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name: `${svc}-abc`, namespace: NS, labels: { 'kubernetes.io/service-name': svc } },
    ports: [{ name: 'http', protocol: 'TCP', port }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready } })),
  } as EndpointSlice;
}

const backend = (name: string, port: string | number = 'http') => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });

describe('ingress controller', { timeout: 240_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;
  const backends: Server[] = [];
  const stop = new AbortController();
  const running: Promise<void>[] = [];

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, apiServerPort: API_PORT, etcdMembers: 1 });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    // Apps a (two replicas), b, c; d has no ready endpoint; e points at a closed port.
    for (const [name, n] of [
      ['a', 2],
      ['a', 3],
      ['b', 4],
      ['c', 5],
    ] as const)
      backends.push(await startBackend(name, n));
    for (const name of ['a', 'b', 'c', 'd', 'e']) await client.create(SERVICES, service(name));
    await client.create(SLICES, slice('a', ['127.0.0.2', '127.0.0.3']));
    await client.create(SLICES, slice('b', ['127.0.0.4']));
    await client.create(SLICES, slice('c', ['127.0.0.5']));
    await client.create(SLICES, slice('d', ['127.0.0.6'], false));
    await client.create(SLICES, slice('e', ['127.0.0.7'], true, BACKEND_PORT + 1));
    // Our class, marked default (the apiserver may already have made it).
    await client
      .create<IngressClass>(CLASSES, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'skiff', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
        spec: { controller: 'skiff.dev/ingress' },
      })
      .catch((err) => {
        if (!isAlreadyExists(err)) throw err;
      });
    for (const [name, ip, ready] of [
      ['ing-n1', '192.168.77.12', 'True'],
      ['ing-n2', '192.168.77.11', 'True'],
      ['ing-n3', '192.168.77.13', 'False'],
    ] as const) {
      const node = await client.create<Node>(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name } } as Node);
      const status = {
        addresses: [{ type: 'InternalIP', address: ip }],
        conditions: [{ type: 'Ready', status: ready, reason: 'Test', lastHeartbeatTime: new Date().toISOString() }],
      };
      await client.update(NODES, { ...node, status } as Node, { subresource: 'status' });
    }

    const logger = createLogger('ingress', process.env.SKIFF_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
    const start = async (user: string, groups: string[], ports: { httpPort: number; httpsPort: number; metricsPort: number }) => {
      const { kubeconfigPath } = await identityFor(cluster, user, groups);
      const config = { kubeconfig: kubeconfigPath, nodeName: 'ing-n1', bindAddress: '127.0.0.1', ingressClass: 'skiff', logLevel: 'warn', ...ports };
      await new Promise<void>((resolve, reject) => running.push(ingressApp.run(config, stop.signal, { logger, onReady: resolve }).catch(reject)));
    };
    await start('system:skiff-ingress', [], { httpPort: HTTP, httpsPort: HTTPS, metricsPort: METRICS });
    await start('system:node:ing-n1', ['system:nodes'], { httpPort: NODE_HTTP, httpsPort: NODE_HTTPS, metricsPort: 0 });
  });

  after(async () => {
    stop.abort();
    await Promise.allSettled(running);
    keepAlive.destroy();
    for (const s of backends) s.close();
    client?.close();
    await cluster?.stop();
  });

  it('routes by host and by path, longest prefix first, and 404s what no rule names', async () => {
    await client.create<Ingress>(INGRESSES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'apps', namespace: NS },
      spec: {
        ingressClassName: 'skiff',
        rules: [
          { host: 'a.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a') }] } },
          {
            host: 'b.test',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: backend('b', 80) },
                { path: '/api', pathType: 'Prefix', backend: backend('c') },
                { path: '/exact', pathType: 'Exact', backend: backend('a') },
                { path: '/down', pathType: 'Prefix', backend: backend('d') },
                { path: '/refused', pathType: 'Prefix', backend: backend('e') },
              ],
            },
          },
        ],
      },
    } as Ingress);
    await eventually(async () => assert.equal(await appAt('b.test', '/api/v1'), 'c'));
    assert.equal(await appAt('a.test', '/anything'), 'a');
    assert.equal(await appAt('B.TEST:80', '/'), 'b');
    assert.equal(await appAt('b.test', '/apix'), 'b', '/api does not match /apix');
    assert.equal(await appAt('b.test', '/exact'), 'a');
    assert.equal(await appAt('b.test', '/exact/no'), 'b');
    const unknown = await get('nobody.test', '/');
    assert.equal(unknown.status, 404);
    // The node-credential instance serves the same table over HTTP.
    assert.equal(JSON.parse((await get('b.test', '/api', NODE_HTTP)).body).app, 'c');
  });

  it('answers 503 for a backend with no ready endpoint and 502 when the backend refuses', async () => {
    assert.equal((await get('b.test', '/down')).status, 503);
    assert.equal((await get('b.test', '/refused')).status, 502);
  });

  it('spreads requests over the ready endpoints and keeps connections to them alive', async () => {
    // Which replica answered shows in the address the backend's socket was reached on.
    const by = new Map<string, number>();
    let connections = 0;
    const onRequest = (req: IncomingMessage) => by.set(req.socket.localAddress ?? '', (by.get(req.socket.localAddress ?? '') ?? 0) + 1);
    const onConnection = () => connections++;
    for (const s of backends.slice(0, 2)) s.on('request', onRequest).on('connection', onConnection);
    for (let i = 0; i < 10; i++) await get('a.test', '/');
    for (const s of backends.slice(0, 2)) s.off('request', onRequest).off('connection', onConnection);
    assert.deepEqual([...by.entries()].sort(), [
      ['127.0.0.2', 5],
      ['127.0.0.3', 5],
    ]);
    // Earlier tests left a kept-alive connection to each replica: ten requests in a row open none, or at most one each.
    assert.ok(connections <= 2, `${connections} new backend connections for 10 requests`);
  });

  it("sets X-Forwarded-For/Proto/Host/Port and X-Real-IP, appending to a client's X-Forwarded-For", async () => {
    const res = await new Promise<{ headers: Record<string, string> }>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port: HTTP, path: '/', headers: { host: 'a.test:8080', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } },
        (r) => {
          let body = '';
          r.setEncoding('utf8')
            .on('data', (c: string) => (body += c))
            .on('end', () => resolve(JSON.parse(body)));
        },
      )
        .on('error', reject)
        .end();
    });
    assert.equal(res.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(res.headers['x-real-ip'], '127.0.0.1');
    assert.equal(res.headers['x-forwarded-proto'], 'http', "the listener's scheme, not the client's claim");
    assert.equal(res.headers['x-forwarded-host'], 'a.test:8080');
    assert.equal(res.headers['x-forwarded-port'], String(HTTP));
    assert.equal(res.headers.host, 'a.test:8080', 'the Host header reaches the backend as sent');
  });

  it('passes WebSocket upgrades through', async () => {
    // A raw client: the WebSocket global may not set the Host header, which picks the route here.
    const socket = netConnect(HTTP, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: b.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const received: Buffer[] = [];
    const answer = await new Promise<string>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        const all = Buffer.concat(received);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = all.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
        const frames = all.subarray(end + 4);
        if (frames.length === 0) {
          const mask = randomBytes(4);
          const text = Buffer.from('hello');
          socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, Buffer.from(text.map((x, i) => x ^ mask[i % 4]!))]));
          received.length = 0;
          received.push(all.subarray(0, end + 4));
          return;
        }
        if (frames.length >= 2 + frames[1]!) resolve(frames.subarray(2, 2 + frames[1]!).toString());
      });
    });
    socket.destroy();
    assert.equal(answer, 'b:hello');
  });

  it('streams a response through as the backend writes it', async () => {
    const started = performance.now();
    const times = await new Promise<number[]>((resolve, reject) => {
      const at: number[] = [];
      request({ host: '127.0.0.1', port: HTTP, path: '/stream', headers: { host: 'b.test' }, agent: false }, (res) => {
        res.on('data', () => at.push(performance.now() - started));
        res.on('end', () => resolve(at));
      })
        .on('error', reject)
        .end();
    });
    assert.ok(times.length >= 2, `two chunks, got ${times.length}`);
    assert.ok(times[0]! < 400, `the first chunk came before the backend finished (${times[0]!.toFixed(0)} ms)`);
    assert.ok(times.at(-1)! >= 450, `the last came when written (${times.at(-1)!.toFixed(0)} ms)`);
  });

  it('serves each host its own certificate by SNI on one port, the fallback for unknown names', async () => {
    const ca = await createCertificateAuthority('ingress-test-ca', 1);
    for (const host of ['one.test', 'two.test']) {
      const pair = await issueCertificate(ca, { commonName: host, hosts: [host], usage: 'server', validityDays: 1 });
      await client.create<Secret>(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${host.split('.')[0]}-tls`, namespace: NS },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(pair.cert).toString('base64'), 'tls.key': Buffer.from(pair.key).toString('base64') },
      } as Secret);
    }
    await client.create<Ingress>(INGRESSES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'tls', namespace: NS },
      spec: {
        ingressClassName: 'skiff',
        tls: [
          { hosts: ['one.test'], secretName: 'one-tls' },
          { hosts: ['two.test'], secretName: 'two-tls' },
        ],
        rules: [{ host: 'one.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('c') }] } }],
      },
    } as Ingress);
    await eventually(async () => assert.equal(await peerCN('one.test'), 'one.test'));
    assert.equal(await peerCN('two.test'), 'two.test');
    assert.equal(await peerCN('three.test'), ingressApp.FALLBACK_CERTIFICATE_CN);
    // The node credential may not read Secrets: that instance still answers TLS, with the fallback.
    assert.equal(await peerCN('one.test', NODE_HTTPS), ingressApp.FALLBACK_CERTIFICATE_CN);
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest({ host: '127.0.0.1', port: HTTPS, path: '/', servername: 'one.test', headers: { host: 'one.test' }, rejectUnauthorized: false }, (r) => {
        let b = '';
        r.setEncoding('utf8')
          .on('data', (c: string) => (b += c))
          .on('end', () => resolve(b));
      })
        .on('error', reject)
        .end();
    });
    const seen = JSON.parse(body) as { app: string; headers: Record<string, string> };
    assert.equal(seen.app, 'c');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
  });

  it('serves an Ingress without a class while ours is the default', async () => {
    await client.create<Ingress>(INGRESSES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'classless', namespace: NS },
      spec: { rules: [{ host: 'classless.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('b') }] } }] },
    } as Ingress);
    await eventually(async () => assert.equal(await appAt('classless.test', '/'), 'b'));
    await client.create<Ingress>(INGRESSES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'other-class', namespace: NS },
      spec: { ingressClassName: 'nginx', rules: [{ host: 'other.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('b') }] } }] },
    } as Ingress);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await appAt('other.test', '/'), '404', 'another class is not ours');
  });

  it('an Ingress change takes effect with no failed request under concurrent load', async () => {
    let running = true;
    let requests = 0;
    const failures: string[] = [];
    const apps = new Map<string, number>();
    const loop = async () => {
      while (running) {
        requests++;
        try {
          const app = await appAt('a.test', '/load');
          if (app !== 'a' && app !== 'c') failures.push(app);
          apps.set(app, (apps.get(app) ?? 0) + 1);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await new Promise((r) => setTimeout(r, 500));
    const ing = await client.get<Ingress>(INGRESSES, NS, 'apps');
    ing.spec!.rules![0]!.http!.paths.push({ path: '/load', pathType: 'Prefix', backend: backend('c') });
    await client.update(INGRESSES, ing);
    await eventually(async () => assert.ok((apps.get('c') ?? 0) > 20, 'c answers /load now'));
    running = false;
    await Promise.all(loops);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    assert.ok((apps.get('a') ?? 0) > 20, 'a answered before the change');
  });

  it("writes status.loadBalancer.ingress with every Ready node's InternalIP, once, from the lease holder", async () => {
    const ing = await eventually(async () => {
      const i = await client.get<Ingress>(INGRESSES, NS, 'apps');
      assert.deepEqual(i.status?.loadBalancer?.ingress, [{ ip: '192.168.77.11' }, { ip: '192.168.77.12' }]);
      return i;
    }, 30_000);
    const other = await client.get<Ingress>(INGRESSES, NS, 'other-class');
    assert.equal(other.status?.loadBalancer?.ingress, undefined, "another class's Ingress is left alone");
    await new Promise((r) => setTimeout(r, 1000));
    const again = await client.get<Ingress>(INGRESSES, NS, 'apps');
    assert.equal(again.metadata?.resourceVersion, ing.metadata?.resourceVersion, 'no rewrite when nothing changed');
  });

  it('counts requests by status code and is healthy once synced', async () => {
    const text = await (await fetch(`http://127.0.0.1:${METRICS}/metrics`)).text();
    for (const series of [
      /skiff_ingress_requests_total\{code="404"[^}]*\} [1-9]/,
      /skiff_ingress_requests_total\{code="200"[^}]*\} [1-9]/,
      /skiff_ingress_requests_total\{code="101"[^}]*\} [1-9]/,
      /skiff_ingress_upstream_latency_seconds_count\{[^}]*\} [1-9]/,
    ]) {
      assert.ok(series.test(text), `${series} in /metrics`);
    }
    assert.equal((await fetch(`http://127.0.0.1:${METRICS}/healthz`)).status, 200);
  });
});

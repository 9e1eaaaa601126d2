/**
 * The cluster DNS server as an operator runs it (`node apps/dns/src/main.ts`) against a
 * real apiserver: service A records, a headless service's endpoints and SRV records from
 * EndpointSlices, pod names, fast NXDOMAIN, a deletion seen within seconds, and names
 * outside the cluster forwarded to an upstream the test runs itself, with the cache.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import { join } from 'node:path';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { findResourceByKind, type EndpointSlice, type Service } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { ComponentProcess, eventually, startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports: etcd 26150-26151 and apiserver 26250 (the harness), DNS 26200, fake upstream 26201, metrics 26202.
const BASE_PORT = 26150;
const DNS_PORT = 26200;
const UPSTREAM_PORT = 26201;
const METRICS_PORT = 26202;
const HOST = '127.0.0.1';
const NS = 'default';

const SERVICES = findResourceByKind('v1', 'Service')!;
const SLICES = findResourceByKind('discovery.k8s.io/v1', 'EndpointSlice')!;

type Reply = DecodedPacket & { rcode: string };
type QType = 'A' | 'AAAA' | 'SRV';

let nextId = 1;
const query = (name: string, type: QType): Packet => ({
  type: 'query',
  id: nextId++ & 0xffff,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ name, type, class: 'IN' }],
});

function askUdp(name: string, type: QType = 'A'): Promise<Reply> {
  const socket = createSocket('udp4');
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP reply for ${type} ${name}`));
    }, 2000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(msg) as Reply);
    });
    socket.send(dnsPacket.encode(query(name, type)), DNS_PORT, HOST);
  });
}

function askTcp(name: string, type: QType = 'A'): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const socket = connect(DNS_PORT, HOST, () => socket.write(dnsPacket.streamEncode(query(name, type))));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP reply for ${type} ${name}`));
    }, 2000);
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(dnsPacket.streamDecode(buf) as Reply);
      }
    });
  });
}

/** Every record but OPT has data and a TTL; the OPT member of dns-packet's union hides them. */
const rdata = (rr: Answer) => (rr as { data: unknown }).data;
const ttl = (rr: Answer) => (rr as { ttl: number }).ttl;
const ips = (reply: Reply) =>
  reply
    .answers!.filter((rr) => rr.type === 'A')
    .map((rr) => rdata(rr) as string)
    .sort();

/** A loopback upstream answering A 198.51.100.7 (TTL 300) for anything; it counts queries. */
function startFakeUpstream(): Promise<{ socket: UdpSocket; queries: string[] }> {
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    queries.push(question.name);
    const answers = question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 300, data: '198.51.100.7' }] : [];
    socket.send(
      dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }),
      rinfo.port,
      rinfo.address,
    );
  });
  return new Promise((resolve) => socket.bind(UPSTREAM_PORT, HOST, () => resolve({ socket, queries })));
}

describe('cluster DNS against a real apiserver', { timeout: 90_000 }, () => {
  let cluster: TestCluster | undefined;
  let client: RestClient | undefined;
  let dns: ComponentProcess | undefined;
  let upstream: { socket: UdpSocket; queries: string[] } | undefined;
  let webIp = '';

  before(async () => {
    upstream = await startFakeUpstream();
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    client = RestClient.fromKubeconfig(cluster.kubeconfigPath);
    const web = await client.create<Service>(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    webIp = web.spec!.clusterIP!;
    await client.create<Service>(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: NS },
      spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
    });
    await client.create<EndpointSlice>(SLICES, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'db-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'db' } },
      addressType: 'IPv4',
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.1.10'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.244.2.11'], hostname: 'db-1', conditions: { ready: true } },
        { addresses: ['10.244.3.12'], hostname: 'db-2', conditions: { ready: false } },
      ],
    });
    dns = new ComponentProcess({
      name: 'dns',
      component: 'dns',
      args: [`--kubeconfig=${cluster.kubeconfigPath}`, `--port=${DNS_PORT}`, `--upstream=${HOST}:${UPSTREAM_PORT}`, `--metrics-port=${METRICS_PORT}`],
      logFile: join(cluster.dir, 'dns.log'),
      settleMs: 300,
    });
    await dns.start();
    // The server binds only once its caches synced; wait for it to answer.
    await eventually(() => askUdp('web.default.svc.cluster.local'), 20_000, 200);
  });

  after(async () => {
    await dns?.stop(5000);
    client?.close();
    await cluster?.stop();
    upstream?.socket.close();
  });

  it("answers a service's ClusterIP over UDP and TCP", async () => {
    assert.ok(webIp, 'the apiserver allocated a ClusterIP');
    for (const ask of [askUdp, askTcp]) {
      const reply = await ask('web.default.svc.cluster.local');
      assert.equal(reply.rcode, 'NOERROR');
      assert.equal(reply.flag_aa, true);
      assert.deepEqual(ips(reply), [webIp]);
      assert.equal(ttl(reply.answers![0]!), 5);
    }
    const aaaa = await askUdp('web.default.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.deepEqual(aaaa.answers, []);
  });

  it('answers a headless service with its ready endpoints, by name and by SRV', async () => {
    assert.deepEqual(ips(await askUdp('db.default.svc.cluster.local')), ['10.244.1.10', '10.244.2.11']);
    assert.deepEqual(ips(await askTcp('db-1.db.default.svc.cluster.local')), ['10.244.2.11']);
    assert.equal((await askUdp('db-2.db.default.svc.cluster.local')).rcode, 'NXDOMAIN', 'not-ready endpoints are not published');
    const srv = await askUdp('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    const targets = srv
      .answers!.map((rr) => rdata(rr) as { port: number; target: string })
      .map((d) => `${d.target}:${d.port}`)
      .sort();
    assert.deepEqual(targets, ['db-0.db.default.svc.cluster.local:5432', 'db-1.db.default.svc.cluster.local:5432']);
    const webSrv = await askTcp('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(webSrv.answers!.map(rdata), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  });

  it('answers pod names and says NXDOMAIN fast for unknown cluster names', async () => {
    assert.deepEqual(ips(await askUdp('10-244-9-9.default.pod.cluster.local')), ['10.244.9.9']);
    const started = performance.now();
    const nx = await askUdp('nothing.default.svc.cluster.local');
    const elapsed = performance.now() - started;
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(nx.authorities![0]!.type, 'SOA');
    assert.ok(elapsed < 100, `NXDOMAIN took ${elapsed.toFixed(1)} ms`);
    assert.ok(!upstream!.queries.some((n) => n.endsWith('cluster.local')), 'cluster names never go upstream');
  });

  it('follows a service deletion to NXDOMAIN within seconds', async () => {
    await client!.create<Service>(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'short-lived', namespace: NS },
      spec: { ports: [{ port: 81, protocol: 'TCP' }] },
    });
    await eventually(async () => assert.equal((await askUdp('short-lived.default.svc.cluster.local')).rcode, 'NOERROR'), 5000, 100);
    await client!.delete(SERVICES, NS, 'short-lived');
    await eventually(async () => assert.equal((await askUdp('short-lived.default.svc.cluster.local')).rcode, 'NXDOMAIN'), 5000, 100);
  });

  it('forwards other names upstream and answers the repeat from its cache', async () => {
    const first = await askUdp('www.example.test');
    assert.equal(first.rcode, 'NOERROR');
    assert.deepEqual(ips(first), ['198.51.100.7']);
    const second = await askTcp('www.example.test');
    assert.deepEqual(ips(second), ['198.51.100.7']);
    assert.ok(ttl(second.answers![0]!) <= 300);
    assert.deepEqual(
      upstream!.queries.filter((n) => n === 'www.example.test'),
      ['www.example.test'],
      'the second query was served from the cache',
    );
  });

  it('counts queries by type and rcode, cache hits and upstream latency', async () => {
    const text = await (await fetch(`http://${HOST}:${METRICS_PORT}/metrics`)).text();
    assert.match(text, /skiff_dns_queries_total\{type="A",rcode="NXDOMAIN",zone="cluster"[^}]*\} [1-9]/);
    assert.match(text, /skiff_dns_queries_total\{type="SRV",rcode="NOERROR",zone="cluster"[^}]*\} [1-9]/);
    assert.match(text, /skiff_dns_cache_hits_total\{[^}]*\} [1-9]/);
    assert.match(text, /skiff_dns_upstream_duration_seconds_count\{[^}]*outcome="NOERROR"[^}]*\} 1\n/);
  });
});

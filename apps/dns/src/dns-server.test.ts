import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import type { EndpointSlice, Service } from '@skiff/api';
import type { ClusterView } from './cluster-answers.ts';
import { DnsServer } from './dns-server.ts';
import { replyOpt } from './encode-response.ts';
import { ResponseCache } from './response-cache.ts';
import { frame, readFramedMessages } from './tcp-framing.ts';
import { UpstreamResolver } from './upstream-resolver.ts';

// Ports 26270 (server under test) and 26271 (fake upstream) belong to this file.
const PORT = 26270;
const UPSTREAM_PORT = 26271;
const HOST = '127.0.0.1';

type Reply = DecodedPacket & { rcode: string };

/** A headless service with 20 endpoints: dns-packet does not compress names, so each A record costs ~45 bytes and 20 of them (~900 B) overflow 512 but fit 1232. */
const bigSlice: EndpointSlice = {
  metadata: { namespace: 'default', name: 'big-1', labels: { 'kubernetes.io/service-name': 'big' } },
  addressType: 'IPv4',
  endpoints: Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.244.0.${i + 1}`] })),
};
const services: Service[] = [
  { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20' } },
  { metadata: { namespace: 'default', name: 'big' }, spec: { clusterIP: 'None' } },
];
const view: ClusterView = {
  getService: (ns, name) => services.find((s) => s.metadata!.namespace === ns && s.metadata!.name === name),
  getEndpointSlices: (ns, svc) => (ns === 'default' && svc === 'big' ? [bigSlice] : []),
  hasServicesIn: (ns) => ns === 'default',
};

/** A fake upstream on UDP+TCP: A 192.0.2.1 (TTL 60) for anything, truncated over UDP for `tc.example`. */
function startFakeUpstream(): Promise<{ udpQueries: string[]; tcpQueries: string[]; close(): Promise<void> }> {
  const udpQueries: string[] = [];
  const tcpQueries: string[] = [];
  const answerFor = (query: DecodedPacket, overTcp: boolean): Buffer => {
    const q = query.questions![0]!;
    const truncate = q.name === 'tc.example' && !overTcp;
    const answers: Answer[] = truncate || q.type !== 'A' ? [] : [{ type: 'A', name: q.name, ttl: 60, data: '192.0.2.1' }];
    return dnsPacket.encode({ type: 'response', id: query.id, flags: truncate ? dnsPacket.TRUNCATED_RESPONSE : 0, questions: query.questions, answers });
  };
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    udpQueries.push(query.questions![0]!.name);
    udp.send(answerFor(query, false), rinfo.port, rinfo.address);
  });
  const tcp: Server = createServer((socket) => {
    readFramedMessages(socket, (msg) => {
      const query = dnsPacket.decode(msg);
      tcpQueries.push(query.questions![0]!.name);
      socket.write(frame(answerFor(query, true)));
    });
  });
  return new Promise((resolve) => {
    udp.bind(UPSTREAM_PORT, HOST, () =>
      tcp.listen(UPSTREAM_PORT, HOST, () =>
        resolve({
          udpQueries,
          tcpQueries,
          close: () =>
            new Promise<void>((done) => {
              udp.close();
              tcp.close(() => done());
            }),
        }),
      ),
    );
  });
}

function askUdp(packet: Packet): Promise<Reply> {
  const socket = createSocket('udp4');
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('udp timeout'));
    }, 3000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(msg) as Reply);
    });
    socket.send(dnsPacket.encode(packet), PORT, HOST);
  });
}

function askTcp(packet: Packet): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const socket = connect(PORT, HOST, () => socket.write(frame(dnsPacket.encode(packet))));
    socket.on('error', reject);
    readFramedMessages(socket, (msg) => {
      socket.destroy();
      resolve(dnsPacket.decode(msg) as Reply);
    });
  });
}

const query = (name: string, type: 'A' | 'AAAA' | 'SRV' = 'A', edns = false): Packet => ({
  type: 'query',
  id: 4242,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ type, name, class: 'IN' }],
  additionals: edns ? [replyOpt()] : [],
});

describe('DnsServer', () => {
  let server: DnsServer;
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;

  before(async () => {
    upstream = await startFakeUpstream();
    const resolver = new UpstreamResolver({ servers: [{ host: HOST, port: UPSTREAM_PORT }], cache: new ResponseCache({ maxEntries: 100 }), timeoutMs: 1000 });
    server = new DnsServer({ host: HOST, port: PORT, domain: 'cluster.local', view, upstream: resolver });
    await server.start();
  });
  after(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('answers cluster names authoritatively over UDP and TCP', async () => {
    for (const ask of [askUdp, askTcp]) {
      const reply = await ask(query('web.default.svc.cluster.local'));
      assert.equal(reply.id, 4242);
      assert.equal(reply.rcode, 'NOERROR');
      assert.equal(reply.flag_aa, true);
      assert.equal(reply.flag_rd, true);
      assert.equal(reply.flag_ra, true);
      assert.deepEqual(
        reply.answers!.map((rr) => (rr as { data: string }).data),
        ['10.96.0.20'],
      );
    }
  });

  it('says NXDOMAIN with the SOA for unknown cluster names', async () => {
    const reply = await askUdp(query('nope.default.svc.cluster.local'));
    assert.equal(reply.rcode, 'NXDOMAIN');
    assert.equal(reply.authorities![0]!.type, 'SOA');
    assert.deepEqual(upstream.udpQueries, [], 'cluster names are never forwarded');
  });

  it('truncates over plain UDP, fits more with EDNS, and sends everything over TCP', async () => {
    const plain = await askUdp(query('big.default.svc.cluster.local'));
    assert.equal(plain.flag_tc, true);
    assert.ok(plain.answers!.length < 20);
    const edns = await askUdp(query('big.default.svc.cluster.local', 'A', true));
    assert.equal(edns.flag_tc, false, '20 answers fit in 1232 bytes');
    assert.equal(edns.answers!.length, 20);
    assert.equal(
      edns.additionals!.some((rr) => rr.type === 'OPT'),
      true,
      'the OPT record is echoed',
    );
    const tcp = await askTcp(query('big.default.svc.cluster.local'));
    assert.equal(tcp.flag_tc, false);
    assert.equal(tcp.answers!.length, 20);
  });

  it('forwards other names and answers the repeat from the cache', async () => {
    const first = await askUdp(query('example.org'));
    assert.equal(first.rcode, 'NOERROR');
    assert.equal(first.flag_aa, false);
    assert.deepEqual(
      first.answers!.map((rr) => (rr as { data: string }).data),
      ['192.0.2.1'],
    );
    const second = await askTcp(query('example.org'));
    assert.deepEqual(
      second.answers!.map((rr) => (rr as { data: string }).data),
      ['192.0.2.1'],
    );
    assert.deepEqual(
      upstream.udpQueries.filter((n) => n === 'example.org'),
      ['example.org'],
      'the second query was not forwarded',
    );
  });

  it('retries over TCP when the upstream truncates', async () => {
    const reply = await askUdp(query('tc.example'));
    assert.deepEqual(
      reply.answers!.map((rr) => (rr as { data: string }).data),
      ['192.0.2.1'],
    );
    assert.ok(upstream.udpQueries.includes('tc.example'));
    assert.ok(upstream.tcpQueries.includes('tc.example'));
  });

  it('replies FORMERR to garbage with a header, and NOTIMP to other opcodes', async () => {
    const garbage = Buffer.alloc(14, 0xff);
    garbage.writeUInt16BE(77, 0);
    garbage.writeUInt16BE(0x0100, 2);
    const reply = await server.answer(garbage);
    assert.equal(reply?.id, 77);
    assert.equal((reply!.flags ?? 0) & 0xf, 1);
    const notify = await server.answer(dnsPacket.encode({ ...query('x.example'), flags: 4 << 11 }));
    assert.equal((notify!.flags ?? 0) & 0xf, 4);
  });

  it('fails over to the next upstream, and says SERVFAIL when none answers', async () => {
    const dead = { host: HOST, port: 26272 };
    const failover = new UpstreamResolver({ servers: [dead, { host: HOST, port: UPSTREAM_PORT }], cache: new ResponseCache(), timeoutMs: 200 });
    const reply = await failover.resolve({ name: 'failover.example', type: 'A', class: 'IN' });
    assert.equal(reply.fromCache, false);
    assert.deepEqual(
      reply.answers.map((rr) => (rr as { data: string }).data),
      ['192.0.2.1'],
    );
    const again = await failover.resolve({ name: 'failover.example', type: 'A', class: 'IN' });
    assert.equal(again.fromCache, true);

    const nowhere = new DnsServer({
      host: HOST,
      port: 0,
      domain: 'cluster.local',
      view,
      upstream: new UpstreamResolver({ servers: [dead], cache: new ResponseCache(), timeoutMs: 200 }),
    });
    const servfail = await nowhere.answer(dnsPacket.encode(query('unreachable.example')));
    assert.equal((servfail!.flags ?? 0) & 0xf, 2);
  });
});

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import type { Logger } from '@skiff/log';
import { answerClusterQuestion, type ClusterView } from './cluster-answers.ts';
import { isInDomain } from './cluster-name.ts';
import { encodeForUdp, findOpt, replyOpt, udpSizeLimit } from './encode-response.ts';
import type { DnsMetrics } from './metrics.ts';
import { frame, readFramedMessages } from './tcp-framing.ts';
import type { UpstreamResolver } from './upstream-resolver.ts';

export interface DnsServerOptions {
  host: string;
  /** UDP and TCP both listen here; 0 picks a free port (the same for both is not guaranteed). */
  port: number;
  domain: string;
  view: ClusterView;
  /** Absent: names outside the cluster domain are REFUSED. */
  upstream?: UpstreamResolver;
  metrics?: DnsMetrics;
  logger?: Logger;
  /** Idle TCP connections are closed after this long. */
  tcpIdleMs?: number;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

function rcodeName(rcode: number): string {
  return Object.entries(RCODE).find(([, code]) => code === rcode)?.[0] ?? `RCODE${rcode}`;
}

/**
 * The DNS front: one UDP socket and one TCP listener on the same address. Cluster names
 * are answered from the informer caches (authoritative, AA set); everything else goes to
 * the upstream resolver. UDP replies respect the client's size limit, TCP replies are whole.
 */
export class DnsServer {
  readonly #opts: DnsServerOptions;
  readonly #soaSerial = Math.floor(Date.now() / 1000) >>> 0;
  readonly #connections = new Set<Socket>();
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;

  constructor(opts: DnsServerOptions) {
    this.#opts = opts;
  }

  /** Binds both transports; resolves with the ports actually bound. */
  async start(): Promise<{ udpPort: number; tcpPort: number }> {
    const { host, port } = this.#opts;
    const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    this.#udp = udp;
    udp.on('message', (msg, rinfo) => void this.#onUdp(msg, rinfo.address, rinfo.port));
    udp.on('error', (err) => this.#opts.logger?.error({ err }, 'udp socket error'));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const udpPort = udp.address().port;
    const tcp = createServer((socket) => this.#onTcpConnection(socket));
    this.#tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port === 0 ? 0 : port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    return { udpPort, tcpPort: (tcp.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    this.#udp?.close();
    this.#udp = undefined;
    for (const socket of this.#connections) socket.destroy();
    const tcp = this.#tcp;
    this.#tcp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  /** Builds the reply packet for one raw query; undefined means drop it silently. */
  async answer(raw: Buffer): Promise<Packet | undefined> {
    let query: DecodedPacket & { opcode?: string };
    try {
      query = dnsPacket.decode(raw);
    } catch {
      // Unparseable but with a header: say FORMERR so the client does not wait for a timeout.
      return raw.length >= 12 ? { type: 'response', id: raw.readUInt16BE(0), flags: RCODE.FORMERR, questions: [] } : undefined;
    }
    if (query.type !== 'query') return undefined;
    const base = this.#baseReply(query);
    if (query.opcode !== undefined && query.opcode !== 'QUERY') return this.#finish(base, RCODE.NOTIMP);
    const question = query.questions?.[0];
    if (!question || query.questions!.length !== 1) return this.#finish(base, RCODE.FORMERR);

    if (isInDomain(question.name, this.#opts.domain)) {
      const result = answerClusterQuestion(question.name, question.type, this.#opts.domain, this.#opts.view, this.#soaSerial);
      base.flags! |= dnsPacket.AUTHORITATIVE_ANSWER;
      base.answers = result.answers;
      base.authorities = result.authorities;
      base.additionals = [...result.additionals, ...base.additionals!];
      return this.#finish(base, RCODE[result.rcode], 'cluster');
    }
    const upstream = this.#opts.upstream;
    if (!upstream) return this.#finish(base, RCODE.REFUSED, 'forward');
    try {
      const reply = await upstream.resolve(question);
      base.answers = reply.answers;
      base.authorities = reply.authorities;
      base.additionals = [...reply.additionals, ...base.additionals!];
      return this.#finish(base, reply.rcode, 'forward');
    } catch (err) {
      this.#opts.logger?.warn({ err, name: question.name, type: question.type }, 'forwarding failed');
      return this.#finish(base, RCODE.SERVFAIL, 'forward');
    }
  }

  /** Same id and question, RD copied, RA set (we recurse for the client), OPT echoed if sent. */
  #baseReply(query: DecodedPacket): Packet {
    return {
      type: 'response',
      id: query.id,
      flags: (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE,
      questions: query.questions ?? [],
      answers: [],
      authorities: [],
      additionals: findOpt(query) ? [replyOpt()] : ([] as Answer[]),
    };
  }

  #finish(reply: Packet, rcode: number, zone = 'none'): Packet {
    reply.flags = ((reply.flags ?? 0) & ~0xf) | (rcode & 0xf);
    const type = reply.questions?.[0]?.type ?? 'none';
    this.#opts.metrics?.queries.inc({ type, rcode: rcodeName(rcode), zone });
    return reply;
  }

  async #onUdp(msg: Buffer, address: string, port: number): Promise<void> {
    try {
      const reply = await this.answer(msg);
      if (!reply || !this.#udp) return;
      let limit = 512;
      try {
        limit = udpSizeLimit(dnsPacket.decode(msg));
      } catch {
        // FORMERR replies are tiny; the classic limit is fine.
      }
      this.#udp.send(encodeForUdp(reply, limit), port, address);
    } catch (err) {
      this.#opts.logger?.error({ err }, 'udp query failed');
    }
  }

  #onTcpConnection(socket: Socket): void {
    this.#connections.add(socket);
    socket.on('close', () => this.#connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(this.#opts.tcpIdleMs ?? 10_000, () => socket.destroy());
    readFramedMessages(socket, (msg) => {
      void this.answer(Buffer.from(msg)).then(
        (reply) => {
          if (reply && !socket.destroyed) socket.write(frame(dnsPacket.encode(reply)));
        },
        (err) => this.#opts.logger?.error({ err }, 'tcp query failed'),
      );
    });
  }
}

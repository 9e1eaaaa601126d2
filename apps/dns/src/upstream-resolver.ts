import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet, type Question } from 'dns-packet';
import { EDNS_UDP_LIMIT, replyOpt } from './encode-response.ts';
import { ResponseCache, type CachedReply } from './response-cache.ts';
import { frame, readFramedMessages } from './tcp-framing.ts';

export interface UpstreamServer {
  host: string;
  port: number;
}

export interface UpstreamResolverOptions {
  servers: UpstreamServer[];
  cache: ResponseCache;
  /** Per server and transport attempt. */
  timeoutMs?: number;
  /** Called once per exchange with an upstream (not for cache hits). */
  onUpstream?: (seconds: number, outcome: string) => void;
  onCache?: (hit: boolean) => void;
}

export interface ResolvedReply extends CachedReply {
  fromCache: boolean;
}

/**
 * Forwards names outside the cluster domain to the node's resolvers: UDP first with a
 * fresh random id and source port per query (spoofing resistance), TCP when the reply
 * comes back truncated, the next server when one times out. Identical questions in flight
 * share one upstream exchange, and replies are cached for their TTL.
 */
export class UpstreamResolver {
  readonly #opts: UpstreamResolverOptions;
  readonly #inFlight = new Map<string, Promise<ResolvedReply>>();

  constructor(opts: UpstreamResolverOptions) {
    if (opts.servers.length === 0) throw new Error('upstream resolver: no servers');
    this.#opts = opts;
  }

  async resolve(question: Question): Promise<ResolvedReply> {
    const key = ResponseCache.keyFor(question.name, question.type, question.class ?? 'IN');
    const cached = this.#opts.cache.get(key);
    this.#opts.onCache?.(cached !== undefined);
    if (cached) return { ...cached, fromCache: true };
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#exchange(question).then((reply) => {
        this.#opts.cache.set(key, reply);
        return { ...reply, fromCache: false };
      });
      pending.finally(() => this.#inFlight.delete(key)).catch(() => {});
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #exchange(question: Question): Promise<CachedReply> {
    const errors: string[] = [];
    for (const server of this.#opts.servers) {
      const started = performance.now();
      try {
        let reply = await queryUdp(server, question, this.#opts.timeoutMs ?? 2000);
        if (reply.flag_tc) reply = await queryTcp(server, question, this.#opts.timeoutMs ?? 2000);
        this.#opts.onUpstream?.((performance.now() - started) / 1000, reply.rcode ?? 'NOERROR');
        return {
          rcode: (reply.flags ?? 0) & 0xf,
          answers: reply.answers ?? [],
          authorities: reply.authorities ?? [],
          additionals: (reply.additionals ?? []).filter((rr) => rr.type !== 'OPT'),
        };
      } catch (err) {
        this.#opts.onUpstream?.((performance.now() - started) / 1000, 'error');
        errors.push(`${server.host}:${server.port}: ${(err as Error).message}`);
      }
    }
    throw new Error(`every upstream failed: ${errors.join('; ')}`);
  }
}

type DecodedReply = DecodedPacket & { rcode?: string };

function buildQuery(question: Question): { id: number; buf: Buffer } {
  const id = randomInt(0, 0x10000);
  const packet: Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: question.name, type: question.type, class: question.class ?? 'IN' }],
    additionals: [replyOpt()],
  };
  return { id, buf: dnsPacket.encode(packet) };
}

/** A reply counts only if it echoes our id and question; anything else is noise or spoofing. */
function matches(reply: DecodedPacket, id: number, question: Question): boolean {
  const q = reply.questions?.[0];
  return reply.type === 'response' && reply.id === id && q !== undefined && q.type === question.type && q.name.toLowerCase() === question.name.toLowerCase();
}

export function queryUdp(server: UpstreamServer, question: Question, timeoutMs: number): Promise<DecodedReply> {
  const { id, buf } = buildQuery(question);
  const socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
  return new Promise<DecodedReply>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (err?: Error, reply?: DecodedReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return;
      let reply: DecodedReply;
      try {
        reply = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (matches(reply, id, question)) finish(undefined, reply);
    });
    socket.send(buf, server.port, server.host, (err) => {
      if (err) finish(err);
    });
  });
}

export function queryTcp(server: UpstreamServer, question: Question, timeoutMs: number): Promise<DecodedReply> {
  const { id, buf } = buildQuery(question);
  return new Promise<DecodedReply>((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    const timer = setTimeout(() => finish(new Error(`tcp timeout after ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (err?: Error, reply?: DecodedReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('tcp connection closed before a reply')));
    readFramedMessages(
      socket,
      (msg) => {
        try {
          const reply: DecodedReply = dnsPacket.decode(msg);
          if (matches(reply, id, question)) finish(undefined, reply);
        } catch (err) {
          finish(err as Error);
        }
      },
      EDNS_UDP_LIMIT * 64,
    );
    socket.on('connect', () => socket.write(frame(buf)));
  });
}

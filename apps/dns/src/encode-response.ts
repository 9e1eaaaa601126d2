import dnsPacket, { type Answer, type OptAnswer, type Packet } from 'dns-packet';

/** Plain DNS over UDP: 512 bytes unless the client's EDNS OPT record offers more (RFC 6891). */
export const CLASSIC_UDP_LIMIT = 512;
/** What we advertise and honour at most: the DNS Flag Day 2020 size, safe from fragmentation. */
export const EDNS_UDP_LIMIT = 1232;

/** The OPT pseudo-record a packet carries, if any. */
export function findOpt(packet: Packet): OptAnswer | undefined {
  return packet.additionals?.find((rr): rr is OptAnswer => rr.type === 'OPT');
}

/** How large a UDP reply this client accepts. */
export function udpSizeLimit(query: Packet): number {
  const opt = findOpt(query);
  if (!opt) return CLASSIC_UDP_LIMIT;
  return Math.min(Math.max(opt.udpPayloadSize ?? CLASSIC_UDP_LIMIT, CLASSIC_UDP_LIMIT), EDNS_UDP_LIMIT);
}

/** An OPT record for replies to clients that sent one (a reply must not carry OPT otherwise). */
export function replyOpt(): OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_LIMIT, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

/**
 * Encodes a reply for UDP within `limit` bytes. Additional records are dropped first: they
 * are optional, so losing them does not set TC (RFC 2181 §9). If the answers still do not
 * fit, whole records are dropped from the end and TC is set, telling the client to retry
 * over TCP, where we always send everything.
 */
export function encodeForUdp(packet: Packet, limit: number): Buffer {
  const full = dnsPacket.encode(packet);
  if (full.length <= limit) return full;
  const opt = findOpt(packet);
  const slim: Packet = { ...packet, additionals: opt ? [opt] : [] };
  const withoutExtras = dnsPacket.encode(slim);
  if (withoutExtras.length <= limit) return withoutExtras;
  const answers: Answer[] = [...(slim.answers ?? [])];
  const truncated: Packet = { ...slim, flags: (slim.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, authorities: [], answers };
  let buf = dnsPacket.encode(truncated);
  while (buf.length > limit && answers.length > 0) {
    answers.pop();
    buf = dnsPacket.encode(truncated);
  }
  return buf;
}

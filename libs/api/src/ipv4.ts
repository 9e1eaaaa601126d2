/** IPv4 addresses and CIDRs as numbers: order, containment, and CIDR subtraction for NetworkPolicy ipBlock `except`. */

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** '10.1.2.3' → 167838211; undefined when not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    out = out * 256 + Number(part);
  }
  return out;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** '10.0.0.0/8' → { base, prefix }, host bits cleared; undefined when not an IPv4 CIDR. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const [ip, bits, extra] = text.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) return undefined;
  const addr = parseIpv4(ip!);
  if (addr === undefined) return undefined;
  const prefix = Number(bits);
  return { base: prefix === 0 ? 0 : (addr & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Whether `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.base & maskOf(outer.prefix)) >>> 0 === outer.base;
}

/**
 * `cidr` minus every `except`, as the fewest CIDRs covering the rest: iptables cannot say
 * "-s A but not B or C" in one rule, so an ipBlock becomes plain source/destination matches.
 * Worked example: 10.0.0.0/8 except 10.1.0.0/16 → split /8 into /9 halves; 10.128.0.0/9 is
 * clean; 10.0.0.0/9 holds the hole, split again … down to /16: 10.128/9, 10.64/10, 10.32/11,
 * 10.16/12, 10.8/13, 10.4/14, 10.2/15, 10.0/16 — 8 CIDRs (one per bit between 8 and 16).
 * An except outside the block is ignored; one covering it leaves nothing.
 */
export function subtractCidrs(cidr: Ipv4Cidr, excepts: readonly Ipv4Cidr[]): Ipv4Cidr[] {
  const holes = excepts.filter((e) => cidrContains(cidr, e) || cidrContains(e, cidr));
  if (holes.length === 0) return [cidr];
  if (holes.some((h) => cidrContains(h, cidr))) return [];
  const half = cidr.prefix + 1;
  const low = { base: cidr.base, prefix: half };
  const high = { base: (cidr.base + 2 ** (32 - half)) >>> 0, prefix: half };
  return [...subtractCidrs(low, holes), ...subtractCidrs(high, holes)];
}

/** Numeric order for IPv4 addresses ('10.0.0.9' before '10.0.0.10'); anything else after them, by text. */
export function compareIpv4(a: string, b: string): number {
  const x = parseIpv4(a);
  const y = parseIpv4(b);
  if (x !== undefined && y !== undefined && x !== y) return x - y;
  if (x !== undefined && y === undefined) return -1;
  if (x === undefined && y !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `ip` lies in `cidr` ('10.0.0.0/8'; a bare address is a /32); false for anything not IPv4. */
export function ipv4InCidr(ip: string, cidr: string): boolean {
  const addr = parseIpv4(ip);
  const block = parseIpv4Cidr(cidr.includes('/') ? cidr : `${cidr}/32`);
  return addr !== undefined && block !== undefined && cidrContains(block, { base: addr, prefix: 32 });
}

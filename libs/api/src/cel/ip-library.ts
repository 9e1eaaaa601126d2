/**
 * Kubernetes' CEL IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library/ip.go, cidr.go):
 * `isIP(s)`, `ip(s).family()` (not `ip.isCanonical`), `isLoopback()`..., `cidr("10.0.0.0/8").containsIP("10.1.2.3")`,
 * `containsCIDR`, `masked()`, `prefixLength()`, `string(ip)`. Addresses are kept as bigints so v4
 * and v6 share the arithmetic. As upstream, IPv4-mapped IPv6 addresses and zones are refused.
 */
import { EvaluationError, type Environment } from '@marcbachmann/cel-js';
import { celEquals } from './kubernetes-library.ts';

class IP {
  readonly family: 4 | 6;
  readonly value: bigint;
  constructor(family: 4 | 6, value: bigint) {
    this.family = family;
    this.value = value;
  }
}

class CIDR {
  readonly ip: IP;
  readonly prefix: number;
  constructor(ip: IP, prefix: number) {
    this.ip = ip;
    this.prefix = prefix;
  }
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones
  let text = s;
  const last = text.slice(text.lastIndexOf(':') + 1);
  if (last.includes('.')) {
    // An embedded IPv4 address (`::ffff:1.2.3.4`, `64:ff9b::10.0.0.1`) is the last two groups.
    const v4 = parseV4(last);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, text.length - last.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
}

function parseAddress(s: string): IP | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return new IP(4, v4);
  if (!s.includes(':')) return undefined;
  const v6 = parseV6(s);
  if (v6 === undefined || v6 >> 32n === 0xffffn) return undefined; // IPv4-mapped: ambiguous, refused upstream
  return new IP(6, v6);
}

function toIP(s: string): IP {
  const ip = parseAddress(s);
  if (!ip) throw new EvaluationError(`IP Address "${s}" parse error during conversion from string: ParseAddr("${s}"): unable to parse IP`);
  return ip;
}

function parseCidr(s: string): CIDR | undefined {
  const [addr, bits, extra] = s.split('/');
  const ip = addr === undefined ? undefined : parseAddress(addr);
  if (!ip || extra !== undefined || bits === undefined || !/^(0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > bitsOf(ip.family)) return undefined;
  return new CIDR(ip, Number(bits));
}

function toCIDR(s: string): CIDR {
  const c = parseCidr(s);
  if (!c) throw new EvaluationError(`network address parse error during conversion from string: netip.ParsePrefix("${s}"): bad prefix`);
  return c;
}

function masked(c: CIDR): CIDR {
  const host = bitsOf(c.ip.family) - c.prefix;
  return new CIDR(new IP(c.ip.family, (c.ip.value >> BigInt(host)) << BigInt(host)), c.prefix);
}

function containsIP(c: CIDR, ip: IP): boolean {
  return ip.family === c.ip.family && masked(new CIDR(ip, c.prefix)).ip.value === masked(c).ip.value;
}

/** RFC 5952 text: lower case, the longest run of zero groups (two or more) as `::`. */
function formatIP(ip: IP): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - i * 16)) & 0xffffn));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

const inRange = (ip: IP, base: string, prefix: number): boolean => containsIP(new CIDR(toIP(base), prefix), ip);

export function registerIPLibrary(env: Environment): Environment {
  return env
    .registerType('net.IP', IP)
    .registerType('net.CIDR', CIDR)
    .registerFunction('isIP(string): bool', (s: string) => parseAddress(s) !== undefined)
    .registerFunction('ip(string): net.IP', toIP)
    .registerFunction('string(net.IP): string', formatIP)
    .registerFunction('net.IP.family(): int', (ip: IP) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', (ip: IP) => ip.value === 0n)
    .registerFunction('net.IP.isLoopback(): bool', (ip: IP) => (ip.family === 4 ? inRange(ip, '127.0.0.0', 8) : ip.value === 1n))
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: IP) => (ip.family === 4 ? inRange(ip, '224.0.0.0', 24) : inRange(ip, 'ff02::', 16)))
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: IP) => (ip.family === 4 ? inRange(ip, '169.254.0.0', 16) : inRange(ip, 'fe80::', 10)))
    .registerFunction('net.IP.isGlobalUnicast(): bool', (ip: IP) => {
      if (ip.value === 0n || (ip.family === 4 && ip.value === 0xffffffffn)) return false;
      const special = ip.family === 4 ? ['127.0.0.0/8', '224.0.0.0/4', '169.254.0.0/16'] : ['::1/128', 'ff00::/8', 'fe80::/10'];
      return !special.some((c) => containsIP(toCIDR(c), ip));
    })
    .registerOperator('net.IP == net.IP', (a: IP, b: IP) => celEquals(a, b))
    .registerFunction('isCIDR(string): bool', (s: string) => parseCidr(s) !== undefined)
    .registerFunction('cidr(string): net.CIDR', toCIDR)
    .registerFunction('string(net.CIDR): string', (c: CIDR) => `${formatIP(c.ip)}/${c.prefix}`)
    .registerFunction('net.CIDR.ip(): net.IP', (c: CIDR) => c.ip)
    .registerFunction('net.CIDR.masked(): net.CIDR', masked)
    .registerFunction('net.CIDR.prefixLength(): int', (c: CIDR) => BigInt(c.prefix))
    .registerFunction('net.CIDR.containsIP(net.IP): bool', containsIP)
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CIDR, s: string) => containsIP(c, toIP(s)))
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, o: CIDR) => o.prefix >= c.prefix && containsIP(c, o.ip))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (c: CIDR, s: string) => {
      const o = toCIDR(s);
      return o.prefix >= c.prefix && containsIP(c, o.ip);
    })
    .registerOperator('net.CIDR == net.CIDR', (a: CIDR, b: CIDR) => celEquals(a, b));
}

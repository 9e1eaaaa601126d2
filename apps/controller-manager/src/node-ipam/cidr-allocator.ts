/**
 * Hands out the /maskSize subnets of an IPv4 cluster CIDR, as kube's range allocator's
 * cidrset does: each allocation continues after the last one handed out (wrapping), so a
 * subnet released by a deleted node is not immediately given to the next node — pods of the
 * old node may still hold addresses in it for a moment.
 */
export class CidrAllocator {
  readonly #base: number;
  readonly #maskSize: number;
  readonly #count: number;
  readonly #used = new Set<number>();
  #next = 0;

  constructor(clusterCidr: string, maskSize: number) {
    const { network, prefix } = parseCidr(clusterCidr);
    if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 32) {
      throw new Error(`node CIDR mask size ${maskSize} does not fit in cluster CIDR ${clusterCidr}`);
    }
    if (maskSize - prefix > 24) throw new Error(`cluster CIDR ${clusterCidr} split into /${maskSize} has too many subnets`);
    this.#base = network;
    this.#maskSize = maskSize;
    this.#count = 2 ** (maskSize - prefix);
  }

  get capacity(): number {
    return this.#count;
  }
  get used(): number {
    return this.#used.size;
  }

  /** Marks a subnet as taken (an existing node's spec.podCIDR). False when it is not one of ours. */
  occupy(cidr: string): boolean {
    const index = this.#indexOf(cidr);
    if (index === undefined) return false;
    this.#used.add(index);
    return true;
  }

  release(cidr: string): void {
    const index = this.#indexOf(cidr);
    if (index !== undefined) this.#used.delete(index);
  }

  isUsed(cidr: string): boolean {
    const index = this.#indexOf(cidr);
    return index !== undefined && this.#used.has(index);
  }

  /** The next free subnet (and marks it used), or undefined when the range is full. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#next + i) % this.#count;
      if (this.#used.has(index)) continue;
      this.#used.add(index);
      this.#next = (index + 1) % this.#count;
      return `${formatIpv4(this.#base + index * 2 ** (32 - this.#maskSize))}/${this.#maskSize}`;
    }
    return undefined;
  }

  #indexOf(cidr: string): number | undefined {
    let parsed: { network: number; prefix: number };
    try {
      parsed = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (parsed.prefix !== this.#maskSize) return undefined;
    const offset = parsed.network - this.#base;
    const size = 2 ** (32 - this.#maskSize);
    if (offset < 0 || offset % size !== 0 || offset / size >= this.#count) return undefined;
    return offset / size;
  }
}

export function parseIpv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** "10.244.3.0/24" → its network address as a number and the prefix length; host bits must be zero. */
export function parseCidr(cidr: string): { network: number; prefix: number } {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || Number(m[2]) > 32) throw new Error(`invalid CIDR "${cidr}"`);
  const prefix = Number(m[2]);
  const ip = parseIpv4(m[1]!);
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0) throw new Error(`invalid CIDR "${cidr}": host bits set`);
  return { network: ip, prefix };
}

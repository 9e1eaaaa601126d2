/**
 * Pod IPs of one node out of its pod CIDR: handed out in order (network address, gateway
 * .1 and broadcast skipped) and never reused while in use; after a release the walk goes on
 * from where it was, so a fresh pod does not get the IP a just-deleted pod still appears with
 * in endpoints.
 */
export class PodIpAllocator {
  readonly #network: number;
  readonly #size: number;
  readonly #used = new Set<number>();
  #next = 2;

  constructor(cidr: string) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
    const octets = m ? m.slice(1, 5).map(Number) : [];
    const prefix = m ? Number(m[5]) : -1;
    if (!m || octets.some((o) => o > 255) || prefix < 8 || prefix > 30) throw new Error(`invalid pod CIDR "${cidr}"`);
    const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
    this.#size = 2 ** (32 - prefix);
    this.#network = ip - (ip % this.#size);
  }

  get inUse(): number {
    return this.#used.size;
  }

  /** The next free address, or undefined when the CIDR is full. */
  allocate(): string | undefined {
    const usable = this.#size - 3; // network, gateway (.1), broadcast
    for (let i = 0; i < usable; i++) {
      const offset = 2 + ((this.#next - 2 + i) % usable);
      if (this.#used.has(offset)) continue;
      this.#used.add(offset);
      this.#next = offset + 1;
      return formatIpv4(this.#network + offset);
    }
    return undefined;
  }

  release(ip: string): void {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4) return;
    this.#used.delete(parts.reduce((acc, o) => acc * 256 + o, 0) - this.#network);
  }
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

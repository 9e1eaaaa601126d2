/**
 * ClusterIP allocation from the service CIDR (IPv4). Worked example for 10.96.0.0/12:
 * base 10.96.0.0, size 2^20; offset 0 is the network address and 2^20-1 the broadcast,
 * neither is used; offset 1 (10.96.0.1) is kept for the `kubernetes` Service, so dynamic
 * allocation starts at offset 2.
 */
import type { Store } from '../storage/store.ts';
import { RangeAllocator, internalResource } from './range-allocator.ts';

export const serviceIpAllocations = internalResource('serviceipallocations', 'ServiceIPAllocation');

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const addr = parseIpv4(ip ?? '');
  const prefix = Number(bits);
  if (addr === undefined || !/^\d+$/.test(bits ?? '') || prefix < 8 || prefix > 30) {
    throw new Error(`invalid service cluster IP range ${JSON.stringify(cidr)}: want an IPv4 CIDR with a prefix between /8 and /30`);
  }
  const size = 2 ** (32 - prefix);
  return { base: addr - (addr % size), prefix, size };
}

export class ClusterIpAllocator {
  readonly range: string;
  readonly #cidr: Cidr;
  readonly #allocator: RangeAllocator;

  constructor(store: Store, range = '10.96.0.0/12') {
    this.#cidr = parseCidr(range);
    this.range = `${formatIpv4(this.#cidr.base)}/${this.#cidr.prefix}`;
    const size = this.#cidr.size;
    this.#allocator = new RangeAllocator(store, serviceIpAllocations, {
      size,
      firstDynamic: 2,
      excluded: (o) => o <= 0 || o >= size - 1,
      nameOf: (o) => formatIpv4(this.#cidr.base + o),
      what: 'serviceIP',
    });
  }

  /** The first usable address: the `kubernetes` Service's ClusterIP. */
  get firstIp(): string {
    return formatIpv4(this.#cidr.base + 1);
  }

  /** The offset of a usable IP of the range, or undefined when it is outside (or network/broadcast). */
  offsetOf(ip: string): number | undefined {
    const n = parseIpv4(ip);
    if (n === undefined) return undefined;
    const offset = n - this.#cidr.base;
    return offset >= 1 && offset < this.#cidr.size - 1 ? offset : undefined;
  }

  /** Reserves a requested IP; false when it is taken. The caller checked offsetOf first. */
  async allocate(ip: string, owner: string): Promise<boolean> {
    const offset = this.offsetOf(ip);
    if (offset === undefined) return false;
    return this.#allocator.reserve(offset, owner);
  }

  async allocateNext(owner: string): Promise<string> {
    return formatIpv4(this.#cidr.base + (await this.#allocator.reserveNext(owner)));
  }

  async release(ip: string): Promise<void> {
    const offset = this.offsetOf(ip);
    if (offset !== undefined) await this.#allocator.release(offset);
  }

  listAllocated(): Promise<string[]> {
    return this.#allocator.listAllocated();
  }
}

/** NodePort allocation from the node port range (default 30000-32767), one etcd key per port. */
import type { Store } from '../storage/store.ts';
import { RangeAllocator, internalResource } from './range-allocator.ts';

export const serviceNodePortAllocations = internalResource('servicenodeportallocations', 'ServiceNodePortAllocation');

export function parsePortRange(range: string): { low: number; high: number } {
  const m = /^(\d+)-(\d+)$/.exec(range.trim());
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  if (!m || low < 1 || high > 65535 || low > high) {
    throw new Error(`invalid service node port range ${JSON.stringify(range)}: want LOW-HIGH within 1-65535`);
  }
  return { low, high };
}

export class NodePortAllocator {
  readonly range: string;
  readonly low: number;
  readonly high: number;
  readonly #allocator: RangeAllocator;

  constructor(store: Store, range = '30000-32767') {
    const { low, high } = parsePortRange(range);
    this.low = low;
    this.high = high;
    this.range = `${low}-${high}`;
    this.#allocator = new RangeAllocator(store, serviceNodePortAllocations, {
      size: high - low + 1,
      firstDynamic: 0,
      excluded: () => false,
      nameOf: (o) => String(low + o),
      what: 'nodePort',
    });
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.low && port <= this.high;
  }

  async allocate(port: number, owner: string): Promise<boolean> {
    return this.contains(port) && this.#allocator.reserve(port - this.low, owner);
  }

  async allocateNext(owner: string): Promise<number> {
    return this.low + (await this.#allocator.reserveNext(owner));
  }

  async release(port: number): Promise<void> {
    if (this.contains(port)) await this.#allocator.release(port - this.low);
  }

  listAllocated(): Promise<string[]> {
    return this.#allocator.listAllocated();
  }
}

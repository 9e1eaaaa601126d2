/**
 * Cluster-wide unique allocation of values from a range (ClusterIPs, NodePorts).
 *
 * Each allocated value is a key in etcd, written with the store's atomic create: two
 * apiservers (or two concurrent requests) asking for the same value race on one key and
 * exactly one wins; the loser sees AlreadyExists and tries another value. No in-memory
 * bitmap is the source of truth, so nothing needs to be shared between apiservers.
 */
import { randomInt } from 'node:crypto';
import type { ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { Store } from '../storage/store.ts';

export function internalResource(resource: string, kind: string): ResourceInfo {
  return {
    group: 'skiff.internal',
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    resource,
    singular: resource.replace(/s$/, ''),
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: [],
  };
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'AlreadyExists';
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export interface RangeSpec {
  /** Number of offsets: 0 .. size-1. */
  size: number;
  /** Lowest offset handed out by allocateNext (lower ones are only given on request). */
  firstDynamic: number;
  /** Offsets never handed out or accepted (e.g. network and broadcast addresses). */
  excluded: (offset: number) => boolean;
  /** Key name of an offset: '10.96.0.10', '30080'. */
  nameOf: (offset: number) => string;
  /** What to call a full range in the error. */
  what: string;
}

export class RangeAllocator {
  readonly #store: Store;
  readonly #res: ResourceInfo;
  readonly #spec: RangeSpec;

  constructor(store: Store, res: ResourceInfo, spec: RangeSpec) {
    this.#store = store;
    this.#res = res;
    this.#spec = spec;
  }

  /** Reserves one offset for `owner` ('default/web'); false when someone holds it already. */
  async reserve(offset: number, owner: string): Promise<boolean> {
    const name = this.#spec.nameOf(offset);
    try {
      await this.#store.create(this.#res, {
        apiVersion: 'skiff.internal/v1',
        kind: this.#res.kind,
        metadata: { name },
        owner,
      });
      return true;
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      throw err;
    }
  }

  /**
   * A free offset, reserved for `owner`. Random probes first (cheap while the range is
   * sparse); then one list of what is taken and a walk over the rest, so a nearly full
   * range still finds its last free values.
   */
  async reserveNext(owner: string): Promise<number> {
    const { size, firstDynamic, excluded } = this.#spec;
    const span = size - firstDynamic;
    if (span <= 0) throw errors.internal(`failed to allocate a ${this.#spec.what}: range is empty`);
    for (let i = 0; i < 8; i++) {
      const offset = firstDynamic + randomInt(span);
      if (!excluded(offset) && (await this.reserve(offset, owner))) return offset;
    }
    const taken = new Set((await this.#store.list(this.#res, undefined)).items.map((o) => o.metadata.name));
    const start = randomInt(span);
    for (let i = 0; i < span; i++) {
      const offset = firstDynamic + ((start + i) % span);
      if (excluded(offset) || taken.has(this.#spec.nameOf(offset))) continue;
      if (await this.reserve(offset, owner)) return offset;
    }
    throw errors.internal(`failed to allocate a ${this.#spec.what}: range is full`);
  }

  async release(offset: number): Promise<void> {
    try {
      await this.#store.delete(this.#res, undefined, this.#spec.nameOf(offset));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** The names currently allocated (for tests and repair). */
  async listAllocated(): Promise<string[]> {
    return (await this.#store.list(this.#res, undefined)).items.map((o) => o.metadata.name ?? '');
  }
}

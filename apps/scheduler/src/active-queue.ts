/** One pod waiting in the active queue. */
export interface ActiveEntry {
  key: string;
  priority: number;
  /** When the pod (re-)entered the queue: the tie-breaker between equal priorities. */
  timestamp: number;
  /** Insertion order: the last tie-breaker, so equal pods stay first-in first-out. */
  seq: number;
}

/** Upstream's PrioritySort: higher spec.priority first, then the earlier queue entry. */
export function lessActive(a: ActiveEntry, b: ActiveEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  return a.seq < b.seq;
}

/**
 * The active queue as a binary heap, as upstream's activeQ. Deleting a key only forgets its
 * entry in `#entries`: the heap slot stays as a tombstone that pop skips (an entry counts only
 * while it is the key's current one), so delete is O(1) and push/pop O(log n).
 */
export class ActiveQueue {
  #heap: ActiveEntry[] = [];
  readonly #entries = new Map<string, ActiveEntry>();
  #seq = 0;

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  push(key: string, priority: number, timestamp: number): void {
    if (this.#entries.has(key)) return;
    const entry = { key, priority, timestamp, seq: this.#seq++ };
    this.#entries.set(key, entry);
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
    // Many tombstones (pods deleted while queued): rebuild rather than grow without bound.
    if (this.#heap.length > 1024 && this.#heap.length > 2 * this.#entries.size) this.#rebuild();
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  pop(): string | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0];
      const last = this.#heap.pop()!;
      if (this.#heap.length > 0) {
        this.#heap[0] = last;
        this.#down(0);
      }
      if (this.#entries.get(top.key) === top) {
        this.#entries.delete(top.key);
        return top.key;
      }
    }
    return undefined;
  }

  #rebuild(): void {
    this.#heap = [...this.#entries.values()];
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!lessActive(heap[i], heap[parent])) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < heap.length && lessActive(heap[left], heap[best])) best = left;
      if (right < heap.length && lessActive(heap[right], heap[best])) best = right;
      if (best === i) return;
      [heap[i], heap[best]] = [heap[best], heap[i]];
      i = best;
    }
  }
}

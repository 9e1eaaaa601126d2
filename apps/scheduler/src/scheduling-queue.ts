import { ActiveQueue } from './active-queue.ts';

export interface SchedulingQueueOptions {
  /** Backoff after a failed attempt: initial doubling per attempt up to max (kube: 1 s → 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often even without events (kube: 5 min). */
  unschedulableTimeoutMs?: number;
  /** How often backoff and leftover unschedulable pods are checked (kube: every second). */
  flushIntervalMs?: number;
  now?: () => number;
}

export interface QueuedPod {
  key: string;
  /** The scheduling cycle this attempt belongs to; pass it back to addUnschedulable. */
  cycle: number;
}

/**
 * kube's PriorityQueue: three places a pending pod can wait.
 * - active: pods to try now, highest spec.priority first, then the earliest to (re-)enter
 *   the queue (upstream's PrioritySort);
 * - backoff: pods that failed recently, released when their backoff (1 s doubling to
 *   10 s) expires;
 * - unschedulable: pods that fit nowhere, parked until a cluster event that could make
 *   them fit (node added/changed, pod deleted) moves them to active or, if still in
 *   backoff, to backoff — so an unschedulable pod is never retried in a hot loop.
 * A pod popped for scheduling is "in flight" until done(): events then do not queue it
 * twice, and if a move event arrived during its cycle a failure goes to backoff instead
 * of unschedulable, so the event is not missed.
 */
export class SchedulingQueue {
  readonly #opts: Required<Omit<SchedulingQueueOptions, 'now'>>;
  readonly #now: () => number;
  readonly #active = new ActiveQueue();
  /** key → its pod's priority and when it last entered the queue (added, parked or backed off). */
  readonly #entry = new Map<string, { priority: number; timestamp: number }>();
  /** key → time its backoff ends. */
  readonly #backoff = new Map<string, number>();
  /** key → time it was parked. */
  readonly #unschedulable = new Map<string, number>();
  readonly #attempts = new Map<string, { count: number; lastAt: number }>();
  readonly #inFlight = new Set<string>();
  #waiters: ((item: QueuedPod | undefined) => void)[] = [];
  #schedulingCycle = 0;
  #moveRequestCycle = -1;
  #closed = false;
  #batching = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.#opts = {
      initialBackoffMs: opts.initialBackoffMs ?? 1000,
      maxBackoffMs: opts.maxBackoffMs ?? 10_000,
      unschedulableTimeoutMs: opts.unschedulableTimeoutMs ?? 5 * 60_000,
      flushIntervalMs: opts.flushIntervalMs ?? 1000,
    };
    this.#now = opts.now ?? Date.now;
    this.#timer = setInterval(() => this.flush(), this.#opts.flushIntervalMs);
    this.#timer.unref();
  }

  /** A new pending pod (or one seen again after a relist); spec.priority orders the active queue. */
  add(key: string, priority = 0): void {
    if (this.#closed || this.#has(key)) return;
    this.#entry.set(key, { priority, timestamp: this.#now() });
    this.#pushActive(key);
  }

  /**
   * The pod's spec changed: whatever made it unschedulable may be gone, so it is tried
   * again (after its backoff). Status-only updates must not come here.
   */
  update(key: string, priority = 0): void {
    if (this.#closed) return;
    if (!this.#entry.has(key)) this.#entry.set(key, { priority, timestamp: this.#now() });
    if (this.#unschedulable.delete(key)) return this.#requeue(key);
    if (!this.#has(key)) this.#pushActive(key);
  }

  delete(key: string): void {
    this.#unschedulable.delete(key);
    this.#backoff.delete(key);
    this.#attempts.delete(key);
    this.#entry.delete(key);
    this.#active.delete(key);
  }

  /** Resolves with the next pod to schedule, or undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    const item = this.#shiftActive();
    if (item || this.#closed) return Promise.resolve(item);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The attempt is over (scheduled and bound, parked, or dropped). */
  done(key: string): void {
    this.#inFlight.delete(key);
  }

  /** The pod fits nowhere: park it until an event, or back off if one came during its cycle. */
  addUnschedulable(key: string, cycle: number): void {
    if (this.#closed) return;
    this.#recordAttempt(key);
    if (this.#moveRequestCycle >= cycle) this.#backoff.set(key, this.#backoffEnd(key));
    else this.#unschedulable.set(key, this.#now());
  }

  /** A transient error (say a failed binding): retry after the pod's backoff. */
  addBackoff(key: string): void {
    if (this.#closed) return;
    this.#recordAttempt(key);
    this.#backoff.set(key, this.#backoffEnd(key));
  }

  /** Scheduled: its failure history no longer matters. */
  forget(key: string): void {
    this.#attempts.delete(key);
    this.#entry.delete(key);
  }

  /** A cluster event that may let parked pods fit (node added/changed, pod deleted). */
  moveAllToActiveOrBackoff(): void {
    this.#moveRequestCycle = this.#schedulingCycle;
    if (this.#unschedulable.size === 0) return;
    const keys = [...this.#unschedulable.keys()];
    this.#unschedulable.clear();
    this.#batch(() => {
      for (const key of keys) this.#requeue(key);
    });
  }

  /** Releases expired backoffs and long-parked pods; runs on the queue's timer. */
  flush(): void {
    this.#batch(() => this.#flush());
  }

  #flush(): void {
    const now = this.#now();
    for (const [key, end] of this.#backoff) {
      if (end <= now) {
        this.#backoff.delete(key);
        this.#pushActive(key);
      }
    }
    for (const [key, since] of this.#unschedulable) {
      if (now - since >= this.#opts.unschedulableTimeoutMs) {
        this.#unschedulable.delete(key);
        this.#requeue(key);
      }
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const resolve of this.#waiters.splice(0)) resolve(undefined);
  }

  /** Sizes for the pending-pods gauge. */
  lengths(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.#active.size, backoff: this.#backoff.size, unschedulable: this.#unschedulable.size };
  }

  isUnschedulable(key: string): boolean {
    return this.#unschedulable.has(key);
  }

  #has(key: string): boolean {
    return this.#active.has(key) || this.#backoff.has(key) || this.#unschedulable.has(key) || this.#inFlight.has(key);
  }

  #requeue(key: string): void {
    const end = this.#backoffEnd(key);
    if (this.#attempts.has(key) && end > this.#now()) this.#backoff.set(key, end);
    else this.#pushActive(key);
  }

  #pushActive(key: string): void {
    if (this.#active.has(key) || this.#inFlight.has(key)) return;
    const entry = this.#entry.get(key);
    this.#active.push(key, entry?.priority ?? 0, entry?.timestamp ?? this.#now());
    if (!this.#batching) this.#serveWaiters();
  }

  /**
   * Moves many pods at once, handing them to a waiting pop only afterwards: else the first
   * key moved would go to the idle scheduling loop ahead of a higher-priority one.
   */
  #batch(move: () => void): void {
    this.#batching = true;
    try {
      move();
    } finally {
      this.#batching = false;
      this.#serveWaiters();
    }
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const item = this.#shiftActive();
      if (!item) return;
      this.#waiters.shift()!(item);
    }
  }

  #shiftActive(): QueuedPod | undefined {
    const key = this.#active.pop();
    if (key === undefined) return undefined;
    this.#inFlight.add(key);
    return { key, cycle: ++this.#schedulingCycle };
  }

  /** A failed attempt: the backoff grows, and the pod queues behind its equals again. */
  #recordAttempt(key: string): void {
    const now = this.#now();
    const prev = this.#attempts.get(key);
    this.#attempts.set(key, { count: (prev?.count ?? 0) + 1, lastAt: now });
    const entry = this.#entry.get(key);
    if (entry) entry.timestamp = now;
  }

  #backoffEnd(key: string): number {
    const attempt = this.#attempts.get(key);
    if (!attempt) return 0;
    const duration = Math.min(this.#opts.initialBackoffMs * 2 ** (attempt.count - 1), this.#opts.maxBackoffMs);
    return attempt.lastAt + duration;
  }
}

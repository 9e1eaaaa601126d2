/**
 * One serialized worker per pod uid (kubelet's podWorkers): a sync for a pod never overlaps
 * another sync of the same pod, an update arriving during a sync makes the worker run once
 * more after it (updates collapse), and a sync may ask to run again after a delay (back-off
 * ends, probes, the periodic resync). Level-triggered: a run reads the pod's current state,
 * not the update that woke it.
 */
import type { Logger } from '@skiff/log';

export type PodSyncFn = (uid: string) => Promise<{ requeueAfterMs?: number; done?: boolean } | void>;

interface Worker {
  running: boolean;
  pending: boolean;
  timer?: NodeJS.Timeout;
  /** Consecutive failures, for the retry delay. */
  failures: number;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 10_000;

export class PodWorkers {
  readonly #workers = new Map<string, Worker>();
  readonly #sync: PodSyncFn;
  readonly #logger: Logger;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(sync: PodSyncFn, logger: Logger) {
    this.#sync = sync;
    this.#logger = logger;
  }

  /** Schedules a sync of the pod now (or right after the one in progress). */
  update(uid: string): void {
    if (this.#stopped) return;
    let w = this.#workers.get(uid);
    if (!w) {
      w = { running: false, pending: false, failures: 0 };
      this.#workers.set(uid, w);
    }
    if (w.timer) {
      clearTimeout(w.timer);
      w.timer = undefined;
    }
    if (w.running) {
      w.pending = true;
      return;
    }
    void this.#run(uid, w);
  }

  /** Syncs the pod again after `ms` unless something syncs it sooner. */
  updateAfter(uid: string, ms: number): void {
    const w = this.#workers.get(uid);
    if (!w || this.#stopped) return;
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(
      () => {
        w.timer = undefined;
        this.update(uid);
      },
      Math.max(0, ms),
    );
    w.timer.unref();
  }

  get uids(): string[] {
    return [...this.#workers.keys()];
  }

  get size(): number {
    return this.#workers.size;
  }

  /** Stops scheduling; resolves when no sync is running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#workers.values()) if (w.timer) clearTimeout(w.timer);
    if ([...this.#workers.values()].some((w) => w.running)) await new Promise<void>((r) => this.#idle.push(r));
  }

  async #run(uid: string, w: Worker): Promise<void> {
    w.running = true;
    let again: number | undefined;
    let done = false;
    do {
      w.pending = false;
      again = undefined;
      try {
        const result = await this.#sync(uid);
        w.failures = 0;
        again = result?.requeueAfterMs;
        done = result?.done ?? false;
      } catch (err) {
        w.failures++;
        again = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (w.failures - 1));
        this.#logger.warn({ err, podUid: uid, retryMs: again }, 'pod sync failed');
      }
    } while (w.pending && !this.#stopped);
    w.running = false;
    if (done) {
      if (w.timer) clearTimeout(w.timer);
      this.#workers.delete(uid);
    } else if (again !== undefined) {
      this.updateAfter(uid, again);
    }
    if (this.#stopped && ![...this.#workers.values()].some((x) => x.running)) {
      for (const r of this.#idle.splice(0)) r();
    }
  }
}

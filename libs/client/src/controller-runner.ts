import type { Logger } from '@skiff/log';
import type { RateLimiter } from './rate-limiter.ts';
import { runWorkers, waitForCacheSync, type Syncable, type SyncResult } from './run-workers.ts';
import { WorkQueue } from './work-queue.ts';

/** What an event handler answers: the keys to queue (none, one or several). */
export type Keys = string | readonly string[] | undefined | void;

/** The part of an Informer a runner watches (tests pass fakes). */
export interface EventSource<T> extends Syncable {
  onAdd(handler: (obj: T) => void): void;
  onUpdate(handler: (oldObj: T, obj: T) => void): void;
  onDelete(handler: (obj: T) => void): void;
}

/**
 * How one informer's events map to keys, controller-runtime's EventHandler. A mapper only
 * works out which objects an event concerns (it may note what it saw, e.g. expectations);
 * it never acts. An event kind without a mapper queues nothing.
 */
export interface EventMapper<T> {
  add?(obj: T): Keys;
  update?(oldObj: T, obj: T): Keys;
  delete?(obj: T): Keys;
}

/** One declared watch: an informer and its mapper. */
export interface Watch {
  readonly source: EventSource<never>;
  readonly mapper: EventMapper<never>;
}

/** Declares a watch, keeping the informer's and the mapper's object types together. */
export function watch<T>(source: EventSource<T>, mapper: EventMapper<T>): Watch {
  return { source, mapper } as unknown as Watch;
}

export interface ControllerSpec {
  /** For logs: 'deployment', 'garbage-collector/delete', ... */
  name: string;
  /** Informers whose events queue keys; each must sync before the first worker starts. */
  watches: readonly Watch[];
  /** Further caches sync reads without watching them; they must sync too. */
  reads?: readonly Syncable[];
  /** Reads the world for one key and converges it; see runWorkers for what its answer does. */
  sync(key: string): Promise<SyncResult>;
  /** Parallel workers (default 1); one key is never synced by two at once. */
  workers?: number;
  /** Failures before a key is dropped (default 15). */
  maxRetries?: number;
  /** Default: client-go's (per-key 5 ms → 1000 s, overall 10 qps burst 100). */
  rateLimiter?: RateLimiter<string>;
  logger?: Logger;
}

/**
 * The controller run loop, written once (controller-runtime's Controller): the runner owns
 * the work queue, registers every watch's handlers on construction (events that arrive
 * before run() are queued, not lost), and run() waits for every watched and read cache,
 * then runs the workers with runWorkers' retry policy until the signal aborts.
 *
 * Starting the informers is not its job: they are shared (InformerFactory) and whoever
 * owns the factory starts them once every controller has declared its watches.
 */
export class ControllerRunner {
  readonly name: string;
  readonly #spec: ControllerSpec;
  readonly #queue: WorkQueue<string>;

  constructor(spec: ControllerSpec) {
    this.name = spec.name;
    this.#spec = spec;
    this.#queue = new WorkQueue<string>({ rateLimiter: spec.rateLimiter });
    for (const w of spec.watches) this.#register(w.source as EventSource<unknown>, w.mapper as EventMapper<unknown>);
  }

  /** Queues keys from outside a watch (a sync that nudges another key, a second queue's source). */
  enqueue(keys: Keys): void {
    if (keys === undefined) return;
    if (typeof keys === 'string') return this.#queue.add(keys);
    for (const key of keys) this.#queue.add(key);
  }

  /** Keys waiting for a worker (for tests and metrics). */
  get pending(): number {
    return this.#queue.len();
  }

  /** True once every cache this controller watches or reads has listed. */
  hasSynced(): boolean {
    return this.#caches().every((c) => c.hasSynced());
  }

  /** Waits for the caches, runs the workers; resolves once the signal aborted and every worker stopped. */
  async run(signal: AbortSignal): Promise<void> {
    const { logger, name } = this.#spec;
    if (!(await waitForCacheSync(this.#caches(), signal))) {
      this.#queue.shutDown();
      return;
    }
    logger?.debug({ controller: name, workers: this.#spec.workers ?? 1 }, 'caches synced; starting workers');
    await runWorkers({
      queue: this.#queue,
      sync: (key) => this.#spec.sync(key),
      workers: this.#spec.workers,
      maxRetries: this.#spec.maxRetries,
      signal,
      logger,
      name,
    });
  }

  #caches(): Syncable[] {
    return [...this.#spec.watches.map((w) => w.source), ...(this.#spec.reads ?? [])];
  }

  #register<T>(source: EventSource<T>, mapper: EventMapper<T>): void {
    const { add, update, delete: remove } = mapper;
    if (add) source.onAdd((obj) => this.#route('add', () => add.call(mapper, obj)));
    if (update) source.onUpdate((oldObj, obj) => this.#route('update', () => update.call(mapper, oldObj, obj)));
    if (remove) source.onDelete((obj) => this.#route('delete', () => remove.call(mapper, obj)));
  }

  /** Handlers never throw: a mapper that fails is logged and its event dropped. */
  #route(event: string, map: () => Keys): void {
    try {
      this.enqueue(map());
    } catch (err) {
      this.#spec.logger?.warn({ err, controller: this.name, event }, 'event handler failed; dropping event');
    }
  }
}

/** Builds a runner for `spec` and runs it until `signal` aborts. */
export function runController(spec: ControllerSpec, signal: AbortSignal): Promise<void> {
  return new ControllerRunner(spec).run(signal);
}

import type { Namespace, NetworkPolicy, Pod } from '@skiff/api';
import { sleep, WorkQueue } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { PolicyMetrics } from './metrics.ts';
import { renderRules } from './render-rules.ts';
import { resolvePolicies } from './resolve-policies.ts';

/** What the enforcer needs of an informer (libs/client's Informer fits). */
export interface ObjectSource<T> {
  list(): T[];
  onAdd(handler: (obj: T) => void): void;
  onUpdate(handler: (oldObj: T, newObj: T) => void): void;
  onDelete(handler: (obj: T) => void): void;
}

/** What a sync needs of Iptables (tests count calls instead). */
export interface RuleApplier {
  existingChains(): Promise<string[]>;
  restore(payload: string, chains: string[]): Promise<boolean>;
  ensureJumpsFirst(): Promise<number>;
}

export interface EnforcerOptions {
  nodeName: string;
  pods: ObjectSource<Pod>;
  namespaces: ObjectSource<Namespace>;
  policies: ObjectSource<NetworkPolicy>;
  iptables: RuleApplier;
  minSyncPeriodMs: number;
  /** Re-check our jumps' place this often even without changes (Docker restarts move them). */
  resyncPeriodMs?: number;
  logger: Logger;
  metrics?: PolicyMetrics;
}

const SYNC = 'sync';

/**
 * Any change to a pod, namespace or policy asks for a sync. One worker takes the single key
 * from a WorkQueue, so requests made during a sync coalesce into one more, and waits out the
 * min period between starts. A sync reads the caches, never the event.
 */
export class PolicyEnforcer {
  readonly #opts: EnforcerOptions;
  readonly #queue = new WorkQueue<string>();
  #lastStart = -Infinity;
  syncCount = 0;

  constructor(opts: EnforcerOptions) {
    this.#opts = opts;
    const request = () => this.requestSync();
    const onUpdate = (a: { metadata?: { resourceVersion?: string } }, b: { metadata?: { resourceVersion?: string } }) => {
      if (a.metadata?.resourceVersion !== b.metadata?.resourceVersion) request();
    };
    for (const source of [opts.pods, opts.namespaces, opts.policies] as ObjectSource<Pod | Namespace | NetworkPolicy>[]) {
      source.onAdd(request);
      source.onUpdate(onUpdate);
      source.onDelete(request);
    }
  }

  requestSync(): void {
    this.#queue.add(SYNC);
  }

  /** The worker, until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.#queue.shutDown(), { once: true });
    const periodic = setInterval(() => this.requestSync(), this.#opts.resyncPeriodMs ?? 10_000);
    try {
      for (let key = await this.#queue.get(); key !== undefined; key = await this.#queue.get()) {
        // The first sync waits for nothing (-Infinity would make setTimeout warn and wait 1 ms).
        await sleep(Math.max(0, this.#lastStart + this.#opts.minSyncPeriodMs - performance.now()), signal);
        this.#lastStart = performance.now();
        try {
          if (!signal.aborted) await this.sync();
          this.#queue.forget(key);
        } catch (err) {
          this.#opts.metrics?.syncs.inc({ result: 'failed' });
          this.#opts.logger.error({ err }, 'network policy sync failed; retrying');
          this.#queue.addRateLimited(key);
        } finally {
          this.#queue.done(key);
        }
      }
    } finally {
      clearInterval(periodic);
    }
  }

  /** Resolve, render and restore when changed; then keep our jumps first. */
  async sync(): Promise<void> {
    const { nodeName, iptables, metrics, logger } = this.#opts;
    const start = performance.now();
    const plans = resolvePolicies({
      nodeName,
      pods: this.#opts.pods.list(),
      namespaces: this.#opts.namespaces.list(),
      policies: this.#opts.policies.list(),
    });
    const rendered = renderRules(plans, await iptables.existingChains());
    const restored = await iptables.restore(rendered.payload, rendered.chains);
    const moved = await iptables.ensureJumpsFirst();
    if (moved > 0) {
      metrics?.jumpsMoved.inc(moved);
      logger.info({ moved }, 'network policy jumps were missing or not first; re-inserted at the top');
    }
    this.syncCount++;
    const seconds = (performance.now() - start) / 1000;
    metrics?.syncs.inc({ result: restored ? 'restored' : 'unchanged' });
    metrics?.syncDuration.observe(seconds);
    if (restored) {
      metrics?.rules.set(rendered.ruleCount);
      metrics?.isolatedPods.set({ direction: 'ingress' }, plans.filter((p) => p.ingress).length);
      metrics?.isolatedPods.set({ direction: 'egress' }, plans.filter((p) => p.egress).length);
      logger.info({ pods: plans.length, rules: rendered.ruleCount, ms: Math.round(seconds * 1000) }, 'network policy rules restored');
    }
  }
}

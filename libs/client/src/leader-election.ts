import { findResourceByKind, type Lease } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { sleep } from './sleep.ts';
import { isAlreadyExists, isConflict, isNotFound } from './api-status-error.ts';
import type { RestClient } from './rest-client.ts';

const leases = findResourceByKind('coordination.k8s.io/v1', 'Lease')!;

export interface LeaderElectionOptions {
  client: Pick<RestClient, 'get' | 'create' | 'update'>;
  /** The Lease's namespace and name, e.g. kube-system / skiff-controller-manager. */
  namespace: string;
  name: string;
  /** Unique per candidate: hostname plus a random suffix. */
  identity: string;
  /** How long a lease holds without renewal (default 15 s). */
  leaseDurationSeconds?: number;
  /** A leader that could not renew for this long steps down (default 10 s, < lease duration). */
  renewDeadlineMs?: number;
  /** Pause between acquire/renew attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Clear holderIdentity when stopped by the signal, so a standby takes over at once (default true). */
  releaseOnCancel?: boolean;
  /** Runs while leading; `signal` aborts when leadership ends for any reason. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  onStoppedLeading?: () => void;
  /** Whenever the observed holder changes (including to us). */
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does.
 *
 * A candidate takes the lease when it is absent, released (no holder) or expired
 * (renewTime + leaseDurationSeconds < now), then renews it every retry period. Every write
 * is a compare-and-swap on resourceVersion, so of two candidates racing for an expired
 * lease one gets 409 and stays standby. A leader that cannot renew within renewDeadline
 * steps down before its lease can expire, so two leaders never overlap as long as clocks
 * agree to within leaseDuration − renewDeadline.
 */
export class LeaderElector {
  readonly #opts: Required<Omit<LeaderElectionOptions, 'onStoppedLeading' | 'onNewLeader' | 'logger'>> & LeaderElectionOptions;
  #leader = false;
  #observedHolder = '';
  #lease: Lease | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.#opts = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, releaseOnCancel: true, ...opts };
    if (this.#opts.renewDeadlineMs >= this.#opts.leaseDurationSeconds * 1000) {
      throw new Error(`leader election ${opts.namespace}/${opts.name}: renewDeadline must be shorter than the lease duration`);
    }
  }

  isLeader(): boolean {
    return this.#leader;
  }

  /** The holder last seen on the lease ('' when none). */
  getLeader(): string {
    return this.#observedHolder;
  }

  /**
   * Campaigns until it leads, leads until it loses the lease or `signal` aborts, then
   * resolves (after releasing the lease on a clean stop). Run it again to stand again.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#acquire(signal))) return;
    const leading = new AbortController();
    this.#leader = true;
    const log = this.#opts.logger?.child({ lease: `${this.#opts.namespace}/${this.#opts.name}` });
    log?.info({ identity: this.#opts.identity }, 'became leader');
    // The callback runs alongside renewals; its own errors do not end the term.
    Promise.resolve()
      .then(() => this.#opts.onStartedLeading(leading.signal))
      .catch((err) => log?.error({ err }, 'onStartedLeading failed'));
    try {
      await this.#renewUntilLost(signal);
    } finally {
      this.#leader = false;
      leading.abort();
      if (signal.aborted && this.#opts.releaseOnCancel) await this.#release();
      log?.info({ identity: this.#opts.identity }, 'stopped leading');
      this.#opts.onStoppedLeading?.();
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) return true;
      await sleep(jitter(this.#opts.retryPeriodMs), signal);
    }
    return false;
  }

  /** Renews every retry period; returns when a renewal deadline passes or the signal aborts. */
  async #renewUntilLost(signal: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.#opts.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.#tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (!this.#holdsLease() || Date.now() - lastRenew >= this.#opts.renewDeadlineMs) {
        // Someone else holds it now, or we could not reach the server in time.
        return;
      }
    }
  }

  #holdsLease(): boolean {
    return this.#lease?.spec?.holderIdentity === this.#opts.identity;
  }

  /** One attempt: create, take over or renew the lease. Never throws. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, leaseDurationSeconds } = this.#opts;
    const now = new Date();
    try {
      let current: Lease;
      try {
        current = await client.get<Lease>(leases, namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const created = await client.create<Lease>(leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { namespace, name },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        } as Lease);
        this.#observe(created);
        return true;
      }
      this.#observe(current);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder && holder !== identity && !isLeaseExpired(current, now)) return false;
      const takingOver = holder !== identity;
      const next: Lease = {
        ...current,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          renewTime: microTime(now),
          acquireTime: takingOver ? microTime(now) : spec.acquireTime,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder ? 1 : 0),
        },
      };
      this.#observe(await client.update<Lease>(leases, next));
      return true;
    } catch (err) {
      // 409: another candidate wrote first (create or CAS update); any other error is transient.
      if (!isConflict(err) && !isAlreadyExists(err)) this.#opts.logger?.warn({ err, lease: `${namespace}/${name}` }, 'lease acquire/renew failed');
      return false;
    }
  }

  /** Hands the lease back: no holder and an already-past expiry, so a standby takes it at once. */
  async #release(): Promise<void> {
    const lease = this.#lease;
    if (!lease || !this.#holdsLease()) return;
    try {
      const released = await this.#opts.client.update<Lease>(leases, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
      } as Lease);
      this.#observe(released);
    } catch (err) {
      this.#opts.logger?.warn({ err }, 'lease release failed; it will expire instead');
    }
  }

  #observe(lease: Lease): void {
    this.#lease = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.#observedHolder) {
      this.#observedHolder = holder;
      if (holder) this.#opts.onNewLeader?.(holder);
    }
  }
}

/** Expired when renewTime + leaseDurationSeconds lies in the past (or it was never renewed). */
export function isLeaseExpired(lease: Lease, now: Date): boolean {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return true;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
}

/** Kubernetes MicroTime: RFC 3339 with microseconds, '2024-05-01T10:00:00.123000Z'. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Up to 20 % later, so candidates started together do not retry in lockstep. */
function jitter(ms: number): number {
  return ms * (1 + Math.random() * 0.2);
}

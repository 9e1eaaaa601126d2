/**
 * Store on etcd v3 (see store.ts for the contract). Every write is a transaction that
 * compares the key's version or mod revision, so concurrent writers never lose updates;
 * every call has a deadline so a cluster without quorum answers 504 instead of hanging.
 */
import { circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IKeyValue, type IRangeResponse, type ITxnResponse } from 'etcd3';
import type { ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { errors } from '../errors.ts';
import { callWithDeadline, isCompactedError } from './deadline.ts';
import { listObjects, parseRevision } from './etcd-list.ts';
import { keyFor, prefixEnd, prefixFor } from './keys.ts';
import { storageMetrics } from './storage-metrics.ts';
import type { KubeObject, ListOptions, ListResult, Preconditions, Store, UpdateFunc, WatchEvent, WatchOptions } from './store.ts';
import { createValueCodec, serializeObject } from './value-codec.ts';
import { WatchCacheSet } from './watch-cache-set.ts';
import { streamWatchEvents } from './watch-stream.ts';

export interface EtcdStoreOptions {
  endpoints: string[];
  /** For https:// endpoints: the etcd CA and the client certificate (PEM) etcd's --client-cert-auth checks. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  requestTimeoutMs?: number;
  /** 32 bytes: AES-256-GCM key for resources with `encryptAtRest`. */
  encryptionKey?: Buffer;
  logger?: Logger;
  /** Events kept per resource for watchers resuming from a revision (default 10000). */
  watchCacheSize?: number;
  /** Compact etcd history every interval to the revision seen at the previous tick (default 5 min, 0 = off). */
  compactionIntervalMs?: number;
  /** Unread events one watcher may lag behind beyond the history before it gets 410 (default: watchCacheSize). */
  watchMaxLag?: number;
  /** How long a resource's etcd watch outlives its last watcher (default 5000 ms). */
  watchLingerMs?: number;
}

export interface EtcdStoreStats {
  /** etcd watches open (one per watched resource, plus dedicated ones for old revisions). */
  etcdWatches: number;
  watchers: number;
  lastCompactedRevision: number;
}

export interface EtcdStore extends Store {
  stats(): EtcdStoreStats;
  /** Compacts etcd history up to `revision` (what the periodic compactor does). */
  compact(revision: number): Promise<void>;
}

/** Updates retried on CAS conflicts before giving up with 409 (each retry reads afresh). */
const MAX_UPDATE_ATTEMPTS = 10;
const MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

interface StoredState {
  object: KubeObject;
  modRevision: string;
}

export function createEtcdStore(opts: EtcdStoreOptions): EtcdStore {
  const timeoutMs = opts.requestTimeoutMs ?? 5000;
  const logger = opts.logger;
  const codec = createValueCodec(opts.encryptionKey);
  // etcd3's default per-host breaker stays open 5 s after three failures, so requests
  // kept failing for seconds after a lost quorum came back; one second is enough to
  // avoid hammering a dead member.
  const client = new Etcd3({
    hosts: opts.endpoints,
    ...(opts.tls ? { credentials: { rootCertificate: opts.tls.ca, certChain: opts.tls.cert, privateKey: opts.tls.key } } : {}),
    dialTimeout: timeoutMs,
    // gRPC's default 4 MiB cap on a response broke an unpaged list of 10,000 pods
    // (about 9 MiB); kube-apiserver lifts the cap the same way. Clients that want
    // smaller answers page with limit/continue.
    grpcOptions: { 'grpc.max_receive_message_length': 1 << 30 },
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
    },
  });
  let lastCompactedRevision = 0;

  function call<T>(operation: string, res: ResourceInfo | undefined, fn: (options: { deadline: Date }) => Promise<T>, ms = timeoutMs): Promise<T> {
    const labels = { operation, type: res?.resource ?? '' };
    const stopTimer = storageMetrics.requestDuration.startTimer(labels);
    return callWithDeadline(`${operation}${res ? ` ${res.resource}` : ''}`, ms, (deadline) => fn({ deadline }))
      .catch((err: unknown) => {
        storageMetrics.requestErrors.inc(labels);
        throw err;
      })
      .finally(() => stopTimer());
  }

  function decode(kv: IKeyValue, revision: string | number): KubeObject {
    try {
      return codec.decode(kv.key.toString(), kv.value, revision);
    } catch (err) {
      throw errors.internal(`cannot decode ${kv.key.toString()}: ${(err as Error).message}`, err);
    }
  }

  function stateOf(range: IRangeResponse | undefined): StoredState | undefined {
    const kv = range?.kvs[0];
    return kv ? { object: decode(kv, kv.mod_revision), modRevision: kv.mod_revision } : undefined;
  }

  async function read(res: ResourceInfo, key: string): Promise<StoredState | undefined> {
    return stateOf(await call('get', res, (o) => client.kv.range({ key: Buffer.from(key) }, o)));
  }

  function withRevision(obj: KubeObject, revision: string): KubeObject {
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
  }

  function checkPreconditions(res: ResourceInfo, name: string, state: StoredState, pre: Preconditions | undefined, verb: 'update' | 'delete'): void {
    if (pre?.uid !== undefined && pre.uid !== state.object.metadata.uid) {
      throw errors.conflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${state.object.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== state.modRevision) {
      throw errors.conflict(
        res,
        name,
        verb === 'update'
          ? MODIFIED
          : `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${state.modRevision}`,
      );
    }
  }

  /** CAS put: succeeds only if the key's mod revision is still `modRevision`; else returns the fresh state. */
  async function putIfUnchanged(res: ResourceInfo, key: string, value: Buffer, modRevision: string): Promise<ITxnResponse> {
    const k = Buffer.from(key);
    return call('update', res, (o) =>
      client.kv.txn(
        {
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: modRevision }],
          success: [{ request_put: { key: k, value } }],
          failure: [{ request_range: { key: k } }],
        },
        o,
      ),
    );
  }

  async function guaranteedUpdate(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    tryUpdate: UpdateFunc,
    pre?: Preconditions,
  ): Promise<KubeObject> {
    const key = keyFor(res, namespace, name);
    let state = await read(res, key);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      if (!state) throw errors.notFound(res, name);
      checkPreconditions(res, name, state, pre, 'update');
      const next = await tryUpdate(structuredClone(state.object));
      if (next === undefined) return state.object;
      // Writing identical bytes would only bump the revision and wake every watcher.
      if (serializeObject(next) === serializeObject(state.object)) return state.object;
      const resp = await putIfUnchanged(res, key, codec.encode(res, key, next), state.modRevision);
      if (resp.succeeded) return withRevision(next, resp.header.revision);
      state = stateOf(resp.responses[0]?.response_range);
    }
    throw errors.conflict(res, name, MODIFIED);
  }

  async function ensureRevisionAvailable(res: ResourceInfo, revision: number): Promise<void> {
    const prefix = prefixFor(res);
    try {
      await call('watch-check', res, (o) =>
        client.kv.range(
          {
            key: Buffer.from(prefix),
            range_end: prefixEnd(prefix),
            revision,
            limit: 1,
            keys_only: true,
          },
          o,
        ),
      );
    } catch (err) {
      if (isCompactedError(err)) throw errors.gone(`too old resource version: ${revision} (${lastCompactedRevision || (await currentRevision())})`);
      if (err instanceof Error && /future revision/.test(err.message)) return; // a watch may wait for it
      throw err;
    }
  }

  const watchCaches = new WatchCacheSet({
    client,
    codec,
    capacity: opts.watchCacheSize ?? 10000,
    maxLag: opts.watchMaxLag ?? opts.watchCacheSize ?? 10000,
    lingerMs: opts.watchLingerMs ?? 5000,
    ensureRevisionAvailable,
    ...(logger ? { logger } : {}),
  });

  async function* watch(res: ResourceInfo, namespace: string | undefined, wopts: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    if (signal.aborted) return;
    let from: number;
    let initial: KubeObject[] = [];
    if (!wopts.resourceVersion || wopts.resourceVersion === '0') {
      const listed = await list(res, namespace, wopts.filter ? { filter: wopts.filter } : {});
      initial = listed.items;
      from = Number(listed.resourceVersion);
    } else {
      from = parseRevision(wopts.resourceVersion);
    }
    const sub = await watchCaches.subscribe(res, from);
    // A consumer that stops pulling never reaches `finally`; the abort releases for it.
    signal.addEventListener('abort', sub.release, { once: true });
    try {
      yield* streamWatchEvents(sub.cache, sub.reader, {
        res,
        namespace: res.namespaced ? namespace : undefined,
        filter: wopts.filter,
        fromRevision: from,
        initial,
        signal,
        bookmarkIntervalMs: wopts.allowWatchBookmarks ? (wopts.bookmarkIntervalMs ?? 60_000) : undefined,
      });
    } finally {
      signal.removeEventListener('abort', sub.release);
      sub.release();
    }
  }

  function list(res: ResourceInfo, namespace: string | undefined, lopts: ListOptions = {}): Promise<ListResult> {
    return listObjects({
      res,
      namespace,
      opts: lopts,
      decode,
      currentRevision,
      lastCompactedRevision: () => lastCompactedRevision,
      range: (req) => call('list', res, (o) => client.kv.range(req, o)),
    });
  }

  async function currentRevision(): Promise<number> {
    const resp = await call('revision', undefined, (o) => client.kv.range({ key: Buffer.from('/registry/'), keys_only: true, limit: 1 }, o));
    return Number(resp.header.revision);
  }

  async function compact(revision: number): Promise<void> {
    try {
      await call('compact', undefined, (o) => client.kv.compact({ revision, physical: false }, o));
      lastCompactedRevision = Math.max(lastCompactedRevision, revision);
    } catch (err) {
      // Another apiserver (or an earlier tick) compacted past it already: the goal is met.
      if (!isCompactedError(err)) throw err;
    }
  }

  // kube-apiserver's scheme: each tick compacts to the revision seen one tick earlier, so
  // watchers always have at least one interval of history to resume from.
  let compactionTimer: NodeJS.Timeout | undefined;
  if ((opts.compactionIntervalMs ?? 300_000) > 0) {
    let previousTickRevision = 0;
    compactionTimer = setInterval(() => {
      void (async () => {
        const revision = await currentRevision();
        if (previousTickRevision > 0) await compact(previousTickRevision);
        previousTickRevision = revision;
      })().catch((err: unknown) => logger?.warn({ err }, 'etcd compaction failed; will retry next interval'));
    }, opts.compactionIntervalMs ?? 300_000);
    compactionTimer.unref();
  }

  return {
    async create(res, obj) {
      const name = obj.metadata?.name ?? '';
      const key = Buffer.from(keyFor(res, obj.metadata?.namespace, name));
      const resp = await call('create', res, (o) =>
        client.kv.txn(
          {
            compare: [{ key, target: 'Version', result: 'Equal', version: 0 }],
            success: [{ request_put: { key, value: codec.encode(res, key.toString(), obj) } }],
            failure: [],
          },
          o,
        ),
      );
      if (!resp.succeeded) throw errors.alreadyExists(res, name);
      return withRevision(obj, resp.header.revision);
    },

    async get(res, namespace, name) {
      const state = await read(res, keyFor(res, namespace, name));
      if (!state) throw errors.notFound(res, name);
      return state.object;
    },

    list,

    async update(res, obj, pre) {
      const name = obj.metadata?.name ?? '';
      const key = keyFor(res, obj.metadata?.namespace, name);
      if (pre?.resourceVersion !== undefined && pre.uid === undefined) {
        // Fast path, one round trip: CAS directly on the precondition's revision.
        parseRevision(pre.resourceVersion);
        const resp = await putIfUnchanged(res, key, codec.encode(res, key, obj), pre.resourceVersion);
        if (resp.succeeded) return withRevision(obj, resp.header.revision);
        if (!stateOf(resp.responses[0]?.response_range)) throw errors.notFound(res, name);
        throw errors.conflict(res, name, MODIFIED);
      }
      return guaranteedUpdate(res, obj.metadata?.namespace, name, () => obj, pre);
    },

    guaranteedUpdate,

    async delete(res, namespace, name, pre) {
      const key = Buffer.from(keyFor(res, namespace, name));
      if (pre?.resourceVersion === undefined && pre?.uid === undefined) {
        const resp = await call('delete', res, (o) => client.kv.deleteRange({ key, prev_kv: true }, o));
        const prev = resp.prev_kvs[0];
        if (!prev) throw errors.notFound(res, name);
        return decode(prev, resp.header.revision);
      }
      let state = await read(res, key.toString());
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        if (!state) throw errors.notFound(res, name);
        checkPreconditions(res, name, state, pre, 'delete');
        const modRevision = state.modRevision;
        const resp = await call('delete', res, (o) =>
          client.kv.txn(
            {
              compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: modRevision }],
              success: [{ request_delete_range: { key, prev_kv: true } }],
              failure: [{ request_range: { key } }],
            },
            o,
          ),
        );
        const prev = resp.responses[0]?.response_delete_range?.prev_kvs[0];
        if (resp.succeeded && prev) return decode(prev, resp.header.revision);
        state = resp.succeeded ? undefined : stateOf(resp.responses[0]?.response_range);
      }
      throw errors.conflict(res, name, MODIFIED);
    },

    watch,
    currentRevision,

    async ping() {
      try {
        await call('ping', undefined, (o) => client.kv.range({ key: Buffer.from('/registry/'), keys_only: true, limit: 1 }, o), Math.min(timeoutMs, 2000));
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      clearInterval(compactionTimer);
      watchCaches.closeAll();
      client.close();
    },

    stats() {
      return { etcdWatches: watchCaches.etcdWatchCount(), watchers: watchCaches.watcherCount(), lastCompactedRevision };
    },

    compact,
  };
}

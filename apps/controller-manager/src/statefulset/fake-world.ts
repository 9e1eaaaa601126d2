/**
 * A test fixture for the statefulset and daemonset controllers: one informer cache per
 * kind, and a fake client that records every write and applies it to the caches at once
 * (an instant watch). Pods it creates stay phase-less until a test makes them run.
 */
import type { Pod, ResourceInfo } from '@skiff/api';
import { ApiStatusError, InformerCache, type KubeObject, type RestClient } from '@skiff/client';

export type FakeClient = Pick<RestClient, 'create' | 'get' | 'update' | 'patch' | 'delete'>;

function apiError(code: number, reason: string, message: string): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

export class FakeWorld {
  readonly caches = new Map<string, InformerCache<any>>();
  readonly actions: string[] = [];
  readonly events: string[] = [];
  now = new Date('2026-03-01T10:00:00Z');
  /** Pods deleted gracefully stay, terminating, until finishDeletions(). */
  graceful = false;
  #rv = 1;
  #uid = 1;
  #created = 0;

  readonly recorder = { event: (_obj: unknown, _type: string, reason: string, message: string) => void this.events.push(`${reason}: ${message}`) };

  cache<T extends KubeObject>(kind: string): InformerCache<T> {
    let cache = this.caches.get(kind);
    if (!cache) this.caches.set(kind, (cache = new InformerCache<T>()));
    return cache;
  }

  readonly client: FakeClient = {
    get: async <T extends KubeObject>(res: ResourceInfo, ns: string | undefined, name: string) => {
      const found = this.cache(res.kind).get(ns, name);
      if (!found) throw apiError(404, 'NotFound', `${res.resource} "${name}" not found`);
      return structuredClone(found) as T;
    },
    create: async <T extends KubeObject>(res: ResourceInfo, obj: T) => {
      const name = obj.metadata?.name ?? `${obj.metadata?.generateName}${this.#uid}`;
      this.actions.push(`create ${res.resource}/${name}`);
      return this.add(res.kind, { ...obj, metadata: { ...obj.metadata, name } });
    },
    update: async <T extends KubeObject>(res: ResourceInfo, obj: T, opts: { subresource?: string } = {}) => {
      this.actions.push(`update ${res.resource}/${obj.metadata?.name}${opts.subresource ? '/' + opts.subresource : ''}`);
      const cache = this.cache(res.kind);
      const stored: any = cache.get(obj.metadata?.namespace, obj.metadata?.name ?? '');
      if (!stored) throw apiError(404, 'NotFound', `"${obj.metadata?.name}" not found`);
      const next: any = opts.subresource === 'status' ? { ...structuredClone(stored), status: structuredClone((obj as any).status) } : structuredClone(obj);
      next.metadata = { ...next.metadata, resourceVersion: String(++this.#rv) };
      cache.upsert(next);
      return structuredClone(next) as T;
    },
    patch: async <T extends KubeObject>(res: ResourceInfo, ns: string | undefined, name: string, type: string, patch: any) => {
      this.actions.push(`patch ${res.resource}/${name}`);
      const cache = this.cache<any>(res.kind);
      const stored = cache.get(ns, name);
      if (!stored) throw apiError(404, 'NotFound', `"${name}" not found`);
      const next = structuredClone(stored);
      if (type === 'json') {
        for (const op of patch) if (op.op === 'add' && op.path === '/metadata/ownerReferences') next.metadata.ownerReferences = op.value;
      } else if (patch.metadata?.ownerReferences) {
        // Only what the controllers send: add a controller ref, or delete one by uid.
        let refs = [...(next.metadata.ownerReferences ?? [])];
        for (const ref of patch.metadata.ownerReferences) {
          refs = refs.filter((r: any) => r.uid !== ref.uid);
          if (ref.$patch !== 'delete') refs.push(ref);
        }
        next.metadata.ownerReferences = refs;
      }
      next.metadata.resourceVersion = String(++this.#rv);
      cache.upsert(next);
      return structuredClone(next) as T;
    },
    delete: async (res: ResourceInfo, ns: string | undefined, name: string) => {
      this.actions.push(`delete ${res.resource}/${name}`);
      const cache = this.cache<any>(res.kind);
      const stored = cache.get(ns, name);
      if (!stored) throw apiError(404, 'NotFound', `"${name}" not found`);
      if (this.graceful && res.kind === 'Pod') {
        if (!stored.metadata.deletionTimestamp)
          cache.upsert({ ...structuredClone(stored), metadata: { ...stored.metadata, deletionTimestamp: this.now.toISOString() } });
      } else cache.remove(stored);
      return stored;
    },
  };

  /** Stores an object as the apiserver would: uid, resourceVersion, generation, creation time. */
  add<T extends KubeObject>(kind: string, obj: T): T {
    const cache = this.cache<T>(kind);
    if (cache.get(obj.metadata?.namespace, obj.metadata?.name ?? '')) throw apiError(409, 'AlreadyExists', `"${obj.metadata?.name}" already exists`);
    const created = new Date(Date.parse('2026-03-01T00:00:00Z') + 1000 * this.#created++);
    const stored = structuredClone(obj) as any;
    stored.metadata = {
      generation: 1,
      ...stored.metadata,
      uid: `uid-${this.#uid++}`,
      resourceVersion: String(++this.#rv),
      creationTimestamp: created.toISOString(),
    };
    cache.upsert(stored);
    return structuredClone(stored);
  }

  /** Replaces an object as a user's PUT would (generation bumps). */
  edit<T extends KubeObject>(kind: string, ns: string, name: string, change: (obj: T) => void): void {
    const obj = structuredClone(this.cache<T>(kind).get(ns, name)!) as any;
    change(obj);
    obj.metadata.generation = (obj.metadata.generation ?? 1) + 1;
    obj.metadata.resourceVersion = String(++this.#rv);
    this.cache<T>(kind).upsert(obj);
  }

  /** What a kubelet would report: every phase-less pod Running and Ready (filter to pick some). */
  runPods(filter: (pod: Pod) => boolean = () => true): void {
    for (const pod of this.cache<Pod>('Pod').list()) {
      if (pod.status?.phase || !filter(pod)) continue;
      const next = structuredClone(pod) as any;
      next.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: this.now.toISOString() }] };
      next.metadata.resourceVersion = String(++this.#rv);
      this.cache<Pod>('Pod').upsert(next);
    }
  }

  /** Graceful deletions complete. */
  finishDeletions(): void {
    for (const pod of this.cache<Pod>('Pod').list()) if (pod.metadata?.deletionTimestamp) this.cache<Pod>('Pod').remove(pod);
  }

  setPodPhase(ns: string, name: string, phase: string): void {
    const next = structuredClone(this.cache<Pod>('Pod').get(ns, name)!) as any;
    next.status = { ...(next.status ?? {}), phase };
    next.metadata.resourceVersion = String(++this.#rv);
    this.cache<Pod>('Pod').upsert(next);
  }

  podNames(ns = 'default'): string[] {
    return this.cache<Pod>('Pod')
      .list(ns)
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => p.metadata!.name!)
      .sort();
  }

  takeActions(): string[] {
    return this.actions.splice(0);
  }

  takeEvents(): string[] {
    return this.events.splice(0);
  }
}

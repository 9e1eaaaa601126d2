/**
 * A test fixture for the deployment controller: informer caches, a fake client that
 * records every write and applies it to the caches at once (an instant watch), and a
 * stand-in for the ReplicaSet controller's status updates.
 */
import type { Deployment, DeploymentStrategy, Pod, PodTemplateSpec, ReplicaSet, ResourceInfo } from '@skiff/api';
import { ApiStatusError, InformerCache, type KubeObject } from '@skiff/client';
import { DeploymentSyncer } from './deployment-controller.ts';

export interface Action {
  verb: 'get' | 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  name: string;
  subresource?: string;
  object?: KubeObject;
}

export function podTemplate(image: string): PodTemplateSpec {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } };
}

export function newDeployment(opts: { replicas?: number; image?: string; strategy?: DeploymentStrategy; paused?: boolean } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: opts.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      template: podTemplate(opts.image ?? 'nginx:1'),
      strategy: opts.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      paused: opts.paused,
    },
  };
}

function notFound(resource: string, name: string): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `${resource} "${name}" not found` });
}

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export class FakeWorld {
  readonly deployments = new InformerCache<Deployment>();
  readonly replicaSets = new InformerCache<ReplicaSet>();
  readonly pods = new InformerCache<Pod>();
  readonly actions: Action[] = [];
  readonly events: { type: string; reason: string; message: string }[] = [];
  now = new Date('2026-03-01T10:00:00Z');
  #rv = 1;
  #uid = 1;
  #created = 0;

  readonly syncer = new DeploymentSyncer({
    deployments: this.deployments,
    replicaSets: this.replicaSets,
    pods: this.pods,
    now: () => this.now,
    recorder: { event: (_obj, type, reason, message) => void this.events.push({ type, reason, message }) },
    client: {
      get: async <T extends KubeObject>(res: ResourceInfo, ns: string | undefined, name: string) => {
        const found = this.#cache(res).get(ns, name);
        if (!found) throw notFound(res.resource, name);
        return structuredClone(found) as unknown as T;
      },
      create: async <T extends KubeObject>(res: ResourceInfo, obj: T) => {
        this.actions.push({ verb: 'create', resource: res.resource, name: obj.metadata?.name ?? '', object: structuredClone(obj) });
        return this.create(res, obj);
      },
      update: async <T extends KubeObject>(res: ResourceInfo, obj: T, opts: { subresource?: string } = {}) => {
        this.actions.push({
          verb: 'update',
          resource: res.resource,
          name: obj.metadata?.name ?? '',
          subresource: opts.subresource,
          object: structuredClone(obj),
        });
        const cache = this.#cache(res);
        const stored = cache.get(obj.metadata?.namespace, obj.metadata!.name!) as any;
        if (!stored) throw notFound(res.resource, obj.metadata!.name!);
        const next = structuredClone(stored);
        if (opts.subresource === 'status') next.status = structuredClone((obj as any).status);
        else {
          const specChanged = JSON.stringify(next.spec) !== JSON.stringify((obj as any).spec);
          next.spec = structuredClone((obj as any).spec);
          next.metadata = { ...structuredClone(obj.metadata), generation: (stored.metadata.generation ?? 1) + (specChanged ? 1 : 0) };
        }
        next.metadata.resourceVersion = String(++this.#rv);
        cache.upsert(next);
        return structuredClone(next) as T;
      },
      patch: async <T extends KubeObject>(res: ResourceInfo, ns: string | undefined, name: string, type: string, patch: unknown) => {
        this.actions.push({ verb: 'patch', resource: res.resource, name, object: structuredClone(patch) as KubeObject });
        if (type !== 'merge') throw new Error(`fake client: ${type} patch not supported`);
        const cache = this.#cache(res);
        const stored = cache.get(ns, name);
        if (!stored) throw notFound(res.resource, name);
        const next = mergePatch(structuredClone(stored), patch);
        next.metadata.resourceVersion = String(++this.#rv);
        cache.upsert(next);
        return structuredClone(next) as T;
      },
      delete: async (res: ResourceInfo, ns: string | undefined, name: string) => {
        this.actions.push({ verb: 'delete', resource: res.resource, name });
        const cache = this.#cache(res);
        const stored = cache.get(ns, name);
        if (!stored) throw notFound(res.resource, name);
        cache.remove(stored);
        return stored;
      },
    },
  });

  #cache(res: ResourceInfo): InformerCache<any> {
    if (res.kind === 'Deployment') return this.deployments;
    if (res.kind === 'ReplicaSet') return this.replicaSets;
    return this.pods;
  }

  /** Stores an object as the apiserver would: uid, resourceVersion, generation, creation time. */
  create<T extends KubeObject>(res: ResourceInfo, obj: T): T {
    const cache = this.#cache(res);
    if (cache.get(obj.metadata?.namespace, obj.metadata!.name!)) {
      throw new ApiStatusError({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 409,
        reason: 'AlreadyExists',
        message: `"${obj.metadata!.name}" already exists`,
      });
    }
    const stored = structuredClone(obj) as any;
    // Creation times one second apart keep "oldest first" orderings deterministic.
    const created = new Date(Date.parse('2026-03-01T00:00:00Z') + 1000 * this.#created++);
    stored.metadata = {
      ...stored.metadata,
      uid: `uid-${this.#uid++}`,
      resourceVersion: String(++this.#rv),
      generation: 1,
      creationTimestamp: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    cache.upsert(stored);
    return structuredClone(stored);
  }

  deployment(): Deployment {
    return this.deployments.get('default', 'web')!;
  }

  /** Changes the deployment as a user's PUT would (generation bumps on a spec change). */
  editDeployment(change: (d: Deployment) => void): void {
    const d = structuredClone(this.deployment()) as any;
    change(d);
    d.metadata.generation = (d.metadata.generation ?? 1) + 1;
    d.metadata.resourceVersion = String(++this.#rv);
    this.deployments.upsert(d);
  }

  replicaSetsSorted(): ReplicaSet[] {
    return this.replicaSets.list('default').sort((a, b) => a.metadata!.creationTimestamp!.localeCompare(b.metadata!.creationTimestamp!));
  }

  /**
   * The ReplicaSet controller's part: status follows spec. `available(rs)` answers how many
   * of the RS's pods are available (default: all).
   */
  settleReplicaSets(available: (rs: ReplicaSet) => number = (rs) => rs.spec?.replicas ?? 0): void {
    for (const rs of this.replicaSets.list()) {
      const next = structuredClone(rs) as any;
      const replicas = rs.spec?.replicas ?? 0;
      const avail = Math.min(replicas, available(rs));
      next.status = { replicas, readyReplicas: avail, availableReplicas: avail, observedGeneration: rs.metadata?.generation };
      next.metadata.resourceVersion = String(++this.#rv);
      this.replicaSets.upsert(next);
    }
  }

  /** Writes since the last call, as "verb resource/name[/sub]" strings. */
  takeActions(): string[] {
    return this.actions.splice(0).map((a) => `${a.verb} ${a.resource}/${a.name}${a.subresource ? '/' + a.subresource : ''}`);
  }

  takeEvents(): string[] {
    return this.events.splice(0).map((e) => `${e.reason}: ${e.message}`);
  }
}

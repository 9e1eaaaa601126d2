/**
 * The Node authorizer's graph, as upstream's plugin/pkg/auth/authorizer/node graph: which
 * secrets, config maps, claims, volumes and service accounts each node's pods lead to.
 *
 *   secret ─┐                     ┌─ pod ── node
 *   configmap ── pod ── node      │
 *   serviceaccount ── pod ── node │
 *   secret ── pv ── pvc ──────────┘   (a PV reaches a pod through its claimRef's claim)
 *
 * It is fed by the apiserver's watched pods and persistent volumes (never etcd per request):
 * a pod counts once it has spec.nodeName. Edges are by name, so a node may read an object its
 * pod names before the object exists (and gets a 404, as from upstream). `hasPath` answers
 * from memory; `changed` lets a caller wait for the next update.
 */
import type { PersistentVolume, Pod } from '@skiff/api';
import { objectKey } from '../../storage/watched-collection.ts';
import { persistentVolumeSecrets, podReferences } from './pod-references.ts';

export type VertexType = 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount';

/** `secret:ns/name`, `pv:name`. */
function vertex(type: VertexType, namespace: string | undefined, name: string): string {
  return `${type}:${objectKey(namespace, name)}`;
}

/** A multiset of edges: how many sources lead from a vertex to each target. */
class Edges {
  readonly #targets = new Map<string, Map<string, number>>();

  add(from: string, to: string): void {
    let targets = this.#targets.get(from);
    if (!targets) this.#targets.set(from, (targets = new Map()));
    targets.set(to, (targets.get(to) ?? 0) + 1);
  }

  remove(from: string, to: string): void {
    const targets = this.#targets.get(from);
    const count = targets?.get(to);
    if (!targets || count === undefined) return;
    if (count > 1) targets.set(to, count - 1);
    else targets.delete(to);
    if (targets.size === 0) this.#targets.delete(from);
  }

  from(vertexKey: string): Iterable<string> {
    return this.#targets.get(vertexKey)?.keys() ?? [];
  }
}

interface Contribution {
  edges: [from: string, to: string][];
}

export class NodeGraph {
  /** object vertex → pods (`ns/name`), pv → claims, secret → pvs. */
  readonly #edges = new Edges();
  /** pod (`ns/name`) → its node; the pod's last edges, to take back on change. */
  readonly #podNodes = new Map<string, string>();
  readonly #contributions = new Map<string, Contribution>();
  readonly #waiters = new Set<() => void>();

  setPod(pod: Pod | undefined, previous: Pod | undefined): void {
    const meta = (pod ?? previous)?.metadata;
    if (!meta?.name) return;
    const key = `pod:${objectKey(meta.namespace, meta.name)}`;
    this.#retract(key);
    this.#podNodes.delete(key);
    const node = pod?.spec?.nodeName;
    if (pod && node) {
      const ns = meta.namespace;
      const refs = podReferences(pod);
      const edges: [string, string][] = [];
      for (const name of refs.secrets) edges.push([vertex('secret', ns, name), key]);
      for (const name of refs.configMaps) edges.push([vertex('configmap', ns, name), key]);
      for (const name of refs.claims) edges.push([vertex('pvc', ns, name), key]);
      if (refs.serviceAccount) edges.push([vertex('serviceaccount', ns, refs.serviceAccount), key]);
      this.#podNodes.set(key, node);
      this.#assert(key, edges);
    }
    this.#notify();
  }

  setPersistentVolume(pv: PersistentVolume | undefined, previous: PersistentVolume | undefined): void {
    const name = (pv ?? previous)?.metadata?.name;
    if (!name) return;
    const key = vertex('pv', undefined, name);
    this.#retract(key);
    const claim = pv?.spec?.claimRef;
    if (pv && claim?.name) {
      const edges: [string, string][] = [[key, vertex('pvc', claim.namespace, claim.name)]];
      for (const secret of persistentVolumeSecrets(pv)) edges.push([`secret:${secret}`, key]);
      this.#assert(key, edges);
    }
    this.#notify();
  }

  /**
   * Whether the object leads to a pod bound to `node`. The graph is a DAG of depth ≤ 3
   * (secret → pv → pvc → pod), so a walk is cheap.
   */
  hasPath(node: string, type: VertexType, namespace: string | undefined, name: string): boolean {
    const seen = new Set<string>();
    const stack = [vertex(type, type === 'pv' ? undefined : namespace, name)];
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (seen.has(at)) continue;
      seen.add(at);
      if (this.#podNodes.get(at) === node) return true;
      for (const next of this.#edges.from(at)) stack.push(next);
    }
    return false;
  }

  /** Resolves at the next change of the graph, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#waiters.add(done);
    });
  }

  #assert(key: string, edges: [string, string][]): void {
    for (const [from, to] of edges) this.#edges.add(from, to);
    this.#contributions.set(key, { edges });
  }

  #retract(key: string): void {
    const old = this.#contributions.get(key);
    if (!old) return;
    for (const [from, to] of old.edges) this.#edges.remove(from, to);
    this.#contributions.delete(key);
  }

  #notify(): void {
    for (const done of [...this.#waiters]) done();
  }
}

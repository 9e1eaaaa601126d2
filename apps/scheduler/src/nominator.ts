import type { PodInfo } from './pod-info.ts';

/**
 * Upstream's PodNominator: pending pods that preempted victims on a node, so that node's freed
 * room is held for them. While a lower-priority pod is filtered, the pods nominated to a node
 * with at least its priority count as if they ran there already (upstream's
 * RunFilterPluginsWithNominatedPods), so it cannot take the room they made.
 */
export class Nominator {
  readonly #byNode = new Map<string, Map<string, PodInfo>>();
  readonly #nodeOf = new Map<string, string>();

  /** Records (or moves) the nomination; '' or undefined forgets it. */
  set(info: PodInfo, nodeName: string | undefined): void {
    this.delete(info.key);
    if (!nodeName) return;
    let pods = this.#byNode.get(nodeName);
    if (!pods) this.#byNode.set(nodeName, (pods = new Map()));
    pods.set(info.key, info);
    this.#nodeOf.set(info.key, nodeName);
  }

  delete(key: string): void {
    const nodeName = this.#nodeOf.get(key);
    if (nodeName === undefined) return;
    this.#nodeOf.delete(key);
    const pods = this.#byNode.get(nodeName);
    pods?.delete(key);
    if (pods?.size === 0) this.#byNode.delete(nodeName);
  }

  nodeOf(key: string): string | undefined {
    return this.#nodeOf.get(key);
  }

  /** The pods nominated to a node, or undefined (the common case) when there are none. */
  podsOn(nodeName: string): ReadonlyMap<string, PodInfo> | undefined {
    return this.#byNode.get(nodeName);
  }

  get size(): number {
    return this.#nodeOf.size;
  }
}

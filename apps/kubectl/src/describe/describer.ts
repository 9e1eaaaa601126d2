/**
 * What a kind's describer gets: the object, plus the few reads some sections need (the
 * pods a controller owns, for "Pods Status"; the pods using a claim, for "Used By").
 */
import type { Lines, Obj } from './lines.ts';

export interface DescribeEnv {
  /** Pods or ReplicaSets in the object's namespace matching its selector and controlled by it (by uid). */
  controlled(resource: 'pods' | 'replicasets', o: Obj): Promise<Obj[]>;
  /** Pods in `namespace` with a volume from the claim `claim`. */
  podsUsingClaim(namespace: string, claim: string): Promise<Obj[]>;
}

export type Describer = (w: Lines, o: Obj, env: DescribeEnv) => void | Promise<void>;

/** `N Running / N Waiting / N Succeeded / N Failed` of a controller's pods (kubectl's getPodStatusForController). */
export async function podsStatus(o: Obj, env: DescribeEnv): Promise<string> {
  const counts: Record<string, number> = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 };
  for (const pod of await env.controlled('pods', o)) {
    const phase = pod.status?.phase ?? 'Pending';
    if (phase in counts) counts[phase]++;
  }
  return `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`;
}

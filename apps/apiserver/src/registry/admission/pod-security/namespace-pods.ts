/**
 * A namespace whose `enforce` label becomes stricter keeps its pods; the write's answer warns
 * about those that break the new level, as upstream: one warning per distinct violation, prefixed
 * with the lexically first pod name and how many others share it, after a summary line.
 */
import type { Pod, PodSpec, ResourceInfo } from '@skiff/api';
import type { RegistryContext } from '../../context.ts';
import { describeViolations, evaluatePod, levelVersionString, type LevelVersion } from './policy.ts';

/** Upstream checks at most this many pods per namespace update. */
const MAX_PODS_CHECKED = 3000;

export async function warningsForExistingPods(
  ctx: RegistryContext,
  podsResource: ResourceInfo,
  namespace: string,
  enforce: LevelVersion,
  exemptSpec: (spec: PodSpec) => boolean,
): Promise<string[]> {
  const pods = (await ctx.store.list(podsResource, namespace)).items as unknown as Pod[];
  const byViolation = new Map<string, { first: string; count: number }>();
  const checked = pods.slice(0, MAX_PODS_CHECKED);
  for (const pod of checked) {
    if (!pod.spec || exemptSpec(pod.spec)) continue;
    const violations = evaluatePod(enforce, pod.metadata ?? {}, pod.spec);
    if (violations.length === 0) continue;
    const key = describeViolations(violations);
    const name = pod.metadata?.name ?? '';
    const seen = byViolation.get(key);
    if (!seen) byViolation.set(key, { first: name, count: 1 });
    else {
      seen.count++;
      if (name < seen.first) seen.first = name;
    }
  }
  const warnings: string[] = [];
  if (checked.length < pods.length)
    warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${pods.length} existing pods`);
  if (byViolation.size > 0)
    warnings.push(
      `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`,
    );
  const perPod = [...byViolation].map(([violation, { first, count }]) => {
    const others = count === 1 ? '' : count === 2 ? ' (and 1 other pod)' : ` (and ${count - 1} other pods)`;
    return `${first}${others}: ${violation}`;
  });
  return [...warnings, ...perPod.sort()];
}

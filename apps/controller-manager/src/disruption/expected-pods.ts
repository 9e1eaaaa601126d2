/**
 * How many pods a PodDisruptionBudget expects and how many of them must stay healthy
 * (getExpectedPodCount in pkg/controller/disruption).
 *
 * - minAvailable as an integer: expected = the pods the selector finds, desired = minAvailable.
 * - minAvailable as a percentage, or maxUnavailable: expected = the sum of the scale of the pods'
 *   controllers (each counted once), desired = ceil(minAvailable% × expected), or
 *   expected − ceil(maxUnavailable × expected) floored at 0. Worked example: a Deployment of 3
 *   with maxUnavailable 34% → ceil(1.02) = 2 may be down, desired = 1; with minAvailable 50%,
 *   desired = ceil(1.5) = 2.
 * - Neither set: nothing is expected.
 * Pods without a controller cannot be counted by scale: they are reported as unmanaged (the
 * caller warns), and a pod whose controller nobody can find is an error.
 */
import type { OwnerReference, Pod, PodDisruptionBudgetSpec } from '@skiff/api';
import { controllerRefOf } from '@skiff/client';

/** One controller and its desired replicas (spec.replicas, or its scale subresource's). */
export interface ControllerScale {
  uid: string;
  scale: number;
}

/** Finds a pod's controller and its scale; undefined when this finder does not know it. */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => Promise<ControllerScale | undefined>;

export interface ExpectedPods {
  expectedCount: number;
  desiredHealthy: number;
  /** Names of selected pods that have no controller. */
  unmanagedPods: string[];
}

/** intstr.GetScaledValueFromIntOrPercent: an integer as is, `N%` of total rounded up or down. */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export async function getExpectedPodCount(spec: PodDisruptionBudgetSpec | undefined, pods: readonly Pod[], find: ScaleFinder): Promise<ExpectedPods> {
  const { minAvailable, maxUnavailable } = spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { expectedCount, unmanagedPods } = await getExpectedScale(pods, find);
    const desiredHealthy = Math.max(0, expectedCount - scaledValue(maxUnavailable, expectedCount, true));
    return { expectedCount, desiredHealthy, unmanagedPods };
  }
  if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanagedPods: [] };
  if (typeof minAvailable === 'string') {
    const { expectedCount, unmanagedPods } = await getExpectedScale(pods, find);
    return { expectedCount, desiredHealthy: scaledValue(minAvailable, expectedCount, true), unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/** The sum of the scale of every controller the pods have, each controller counted once. */
async function getExpectedScale(pods: readonly Pod[], find: ScaleFinder): Promise<{ expectedCount: number; unmanagedPods: string[] }> {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = await find(ref, pod.metadata?.namespace ?? '');
    if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name ?? '')}`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const scale of scales.values()) expectedCount += scale;
  return { expectedCount, unmanagedPods };
}

/**
 * The built-in PriorityClasses (upstream's SystemPriorityClasses): the apiserver creates them at
 * startup and refuses to delete them; validation accepts a `system-` class only as one of these.
 */
import type { PriorityClass } from './types.ts';

/** scheduling.HighestUserDefinablePriority: classes users create stay at or below it. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** SystemCriticalPriority: twice the highest value a user class may have. */
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

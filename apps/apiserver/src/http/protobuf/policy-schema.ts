/**
 * Field tables for policy/v1 PodDisruptionBudget, which client-go's typed clients send as protobuf:
 * `kubectl create pdb`. Numbers from k8s.io/api/policy/v1/generated.proto; names are JSON's.
 * Grammar: message-decoder.ts. (Eviction, the other policy/v1 kind, is in kind-schema.ts.)
 */
import type { SchemaSet } from './message-decoder.ts';

export const policySchemas: SchemaSet = {
  PodDisruptionBudget: { 1: 'metadata ObjectMeta', 2: 'spec PodDisruptionBudgetSpec', 3: 'status PodDisruptionBudgetStatus' },
  // Pointers in Go: `minAvailable: 0` is a budget, and an empty selector (all pods) is not a missing one (none).
  PodDisruptionBudgetSpec: {
    1: 'minAvailable *IntOrString',
    2: 'selector LabelSelector',
    3: 'maxUnavailable *IntOrString',
    4: 'unhealthyPodEvictionPolicy *string',
  },
  // The four counters have no omitempty in Go: JSON always carries them, zero included.
  PodDisruptionBudgetStatus: {
    1: 'observedGeneration int64',
    2: 'disruptedPods map[Time]',
    3: 'disruptionsAllowed *int32',
    4: 'currentHealthy *int32',
    5: 'desiredHealthy *int32',
    6: 'expectedPods *int32',
    7: 'conditions []Condition',
  },
};

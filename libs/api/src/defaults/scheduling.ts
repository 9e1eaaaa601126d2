/**
 * scheduling.k8s.io/v1 PriorityClass defaults (SetDefaults_PriorityClass): preemptionPolicy
 * PreemptLowerPriority. `value` is a plain int32 in Go, so an absent one reads as 0 and is
 * always written; `globalDefault: false` is omitted as Go's omitempty omits it.
 */
export function defaultPriorityClass(pc: any): void {
  pc.value ??= 0;
  pc.preemptionPolicy ??= 'PreemptLowerPriority';
  if (pc.globalDefault === false) delete pc.globalDefault;
}

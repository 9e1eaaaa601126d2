/**
 * policy/v1 PodDisruptionBudget defaults. Upstream's SetDefaults for policy/v1 sets nothing in the
 * spec: a missing unhealthyPodEvictionPolicy stays missing and means IfHealthyBudget, and the
 * selector is left as written, because in policy/v1 an empty selector (`{}`) selects every pod in
 * the namespace while a missing one selects none (policy/v1beta1 read `{}` as none). The status's
 * four counters have no omitempty in Go, so every PodDisruptionBudget upstream serves shows them,
 * zero before the disruption controller has run; so do ours.
 */
export function defaultPodDisruptionBudget(pdb: any): void {
  if (pdb.status === undefined || pdb.status === null) pdb.status = {};
  if (typeof pdb.status !== 'object' || Array.isArray(pdb.status)) return;
  for (const field of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    pdb.status[field] ??= 0;
  }
}

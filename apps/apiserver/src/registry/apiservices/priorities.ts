/**
 * Where each group sorts in discovery: kube-apiserver's table of built-in group/version
 * priorities (cmd/kube-apiserver/app/aggregator.go), and the fixed 1000/100 the CRD
 * registration controller gives custom groups (their versions then sort kube-aware).
 */
export interface ApiServicePriority {
  groupPriorityMinimum: number;
  versionPriority: number;
}

const builtin: Record<string, ApiServicePriority> = {
  v1: { groupPriorityMinimum: 18000, versionPriority: 1 },
  'apiregistration.k8s.io/v1': { groupPriorityMinimum: 18000, versionPriority: 15 },
  'apps/v1': { groupPriorityMinimum: 17800, versionPriority: 15 },
  'events.k8s.io/v1': { groupPriorityMinimum: 17750, versionPriority: 15 },
  'authentication.k8s.io/v1': { groupPriorityMinimum: 17700, versionPriority: 15 },
  'authorization.k8s.io/v1': { groupPriorityMinimum: 17600, versionPriority: 15 },
  'autoscaling/v1': { groupPriorityMinimum: 17500, versionPriority: 15 },
  'autoscaling/v2': { groupPriorityMinimum: 17500, versionPriority: 30 },
  'batch/v1': { groupPriorityMinimum: 17400, versionPriority: 15 },
  'certificates.k8s.io/v1': { groupPriorityMinimum: 17300, versionPriority: 15 },
  'networking.k8s.io/v1': { groupPriorityMinimum: 17200, versionPriority: 15 },
  'policy/v1': { groupPriorityMinimum: 17100, versionPriority: 15 },
  'rbac.authorization.k8s.io/v1': { groupPriorityMinimum: 17000, versionPriority: 15 },
  'storage.k8s.io/v1': { groupPriorityMinimum: 16800, versionPriority: 15 },
  'apiextensions.k8s.io/v1': { groupPriorityMinimum: 16700, versionPriority: 15 },
  'admissionregistration.k8s.io/v1': { groupPriorityMinimum: 16700, versionPriority: 15 },
  'scheduling.k8s.io/v1': { groupPriorityMinimum: 16600, versionPriority: 15 },
  'coordination.k8s.io/v1': { groupPriorityMinimum: 16500, versionPriority: 15 },
  'node.k8s.io/v1': { groupPriorityMinimum: 16300, versionPriority: 15 },
  'discovery.k8s.io/v1': { groupPriorityMinimum: 16200, versionPriority: 15 },
  'flowcontrol.apiserver.k8s.io/v1': { groupPriorityMinimum: 16100, versionPriority: 21 },
  // metrics-server's own APIService asks for these; ours stands in for it.
  'metrics.k8s.io/v1beta1': { groupPriorityMinimum: 100, versionPriority: 100 },
};

export const CUSTOM_RESOURCE_PRIORITY: ApiServicePriority = { groupPriorityMinimum: 1000, versionPriority: 100 };

/** A built-in group/version missing from upstream's table (none today) sorts after theirs. */
const fallback: ApiServicePriority = { groupPriorityMinimum: 15000, versionPriority: 15 };

export function builtinPriority(group: string, version: string): ApiServicePriority {
  return builtin[group === '' ? version : `${group}/${version}`] ?? fallback;
}

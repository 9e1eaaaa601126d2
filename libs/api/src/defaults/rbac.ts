/**
 * rbac.authorization.k8s.io/v1 defaults (SetDefaults_* in pkg/apis/rbac/v1/defaults.go): a
 * binding's roleRef and its User and Group subjects belong to the RBAC API group unless they say
 * otherwise; a ServiceAccount subject belongs to the core group ('').
 */
const RBAC_GROUP = 'rbac.authorization.k8s.io';

function defaultSubject(subject: any): void {
  if (!subject || typeof subject !== 'object' || subject.apiGroup) return;
  // Subject.apiGroup is omitempty: the core group's '' is simply not written.
  if (subject.kind === 'ServiceAccount') delete subject.apiGroup;
  else if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = RBAC_GROUP;
}

/** RoleBinding and ClusterRoleBinding alike. roleRef is a struct in Go, so it is there (and defaulted) even when not sent. */
export function defaultBinding(binding: any): void {
  binding.roleRef ??= {};
  if (typeof binding.roleRef === 'object' && !binding.roleRef.apiGroup) binding.roleRef.apiGroup = RBAC_GROUP;
  if (Array.isArray(binding.subjects)) binding.subjects.forEach(defaultSubject);
}

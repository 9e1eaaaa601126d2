/** Roles, ClusterRoles and their bindings as kubectl prints them (printRole, printRoleBinding upstream). */
import { formatAge } from '@skiff/api';
import { ageColumn, column, list, str, type TablePrinter } from './table.ts';

/** Roles and ClusterRoles: NAME CREATED AT, the creation time in RFC 3339 rather than an age. */
export const rolePrinter: TablePrinter = {
  columns: [column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
  cells: (role) => [createdAt(role.metadata.creationTimestamp)],
};

/** Go's Time.UTC().Format(time.RFC3339): whole seconds, `Z`. */
function createdAt(timestamp: unknown): string {
  const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  return Number.isNaN(ms) ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each list comma-joined. */
function subjectsStrings(binding: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const subject of list(binding, 'subjects')) {
    const name = str(subject, 'name');
    if (subject.kind === 'User') users.push(name);
    else if (subject.kind === 'Group') groups.push(name);
    else if (subject.kind === 'ServiceAccount') serviceAccounts.push(`${str(subject, 'namespace')}/${name}`);
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

/** RoleBindings and ClusterRoleBindings: NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS; ROLE is `ClusterRole/view`. */
export const roleBindingPrinter: TablePrinter = {
  columns: [
    column(
      'Role',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
    ),
    ageColumn,
    column('Users', 'Users in the roleBinding', { wide: true }),
    column('Groups', 'Groups in the roleBinding', { wide: true }),
    column('ServiceAccounts', 'ServiceAccounts in the roleBinding', { wide: true }),
  ],
  cells: (binding, now) => [
    `${str(binding, 'roleRef', 'kind')}/${str(binding, 'roleRef', 'name')}`,
    formatAge(binding.metadata.creationTimestamp, now),
    ...subjectsStrings(binding),
  ],
};

/** Deployments, ReplicaSets, ReplicationControllers, StatefulSets, DaemonSets and ControllerRevisions as kubectl prints them. */
import { formatAge } from '@skiff/api';
import { ageColumn, column, containerCells, field, formatLabelSelector, formatMapSelector, int, type TablePrinter } from './table.ts';

const containerColumns = [
  column('Containers', 'Names of each container in the template.', { wide: true }),
  column('Images', 'Images referenced by each container in the template.', { wide: true }),
];

export const wideColumns = [...containerColumns, column('Selector', 'Label selector for pods.', { wide: true })];

/** spec.replicas defaults to 1 when unset (before defaulting ran, e.g. in dry-run tables). */
function desired(obj: unknown): number {
  const v = field(obj, 'spec', 'replicas');
  return typeof v === 'number' ? v : 1;
}

export const deploymentPrinter: TablePrinter = {
  columns: [
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    ageColumn,
    ...wideColumns,
  ],
  cells: (d, now) => [
    `${int(d, 'status', 'readyReplicas')}/${desired(d)}`,
    int(d, 'status', 'updatedReplicas'),
    int(d, 'status', 'availableReplicas'),
    formatAge(d.metadata.creationTimestamp, now),
    ...containerCells(field(d, 'spec', 'template', 'spec')),
    formatLabelSelector(field(d, 'spec', 'selector')),
  ],
};

const replicaColumns = [
  column('Desired', 'Number of desired pods.', { type: 'integer' }),
  column('Current', 'Number of actual replicas.', { type: 'integer' }),
  column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
  ageColumn,
  ...wideColumns,
];

export const replicaSetPrinter: TablePrinter = {
  columns: replicaColumns,
  cells: (rs, now) => [
    desired(rs),
    int(rs, 'status', 'replicas'),
    int(rs, 'status', 'readyReplicas'),
    formatAge(rs.metadata.creationTimestamp, now),
    ...containerCells(field(rs, 'spec', 'template', 'spec')),
    formatLabelSelector(field(rs, 'spec', 'selector')),
  ],
};

export const replicationControllerPrinter: TablePrinter = {
  columns: replicaColumns,
  cells: (rc, now) => [
    desired(rc),
    int(rc, 'status', 'replicas'),
    int(rc, 'status', 'readyReplicas'),
    formatAge(rc.metadata.creationTimestamp, now),
    ...containerCells(field(rc, 'spec', 'template', 'spec')),
    formatMapSelector(field(rc, 'spec', 'selector')),
  ],
};

export const statefulSetPrinter: TablePrinter = {
  columns: [column('Ready', 'Number of the pod with ready state'), ageColumn, ...containerColumns],
  cells: (sts, now) => [
    `${int(sts, 'status', 'readyReplicas')}/${desired(sts)}`,
    formatAge(sts.metadata.creationTimestamp, now),
    ...containerCells(field(sts, 'spec', 'template', 'spec')),
  ],
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', {
      type: 'integer',
    }),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    column(
      'Ready',
      'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
      { type: 'integer' },
    ),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    column(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
      { type: 'integer' },
    ),
    column(
      'Node Selector',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
    ),
    ageColumn,
    ...wideColumns,
  ],
  cells: (ds, now) => [
    int(ds, 'status', 'desiredNumberScheduled'),
    int(ds, 'status', 'currentNumberScheduled'),
    int(ds, 'status', 'numberReady'),
    int(ds, 'status', 'updatedNumberScheduled'),
    int(ds, 'status', 'numberAvailable'),
    formatMapSelector(field(ds, 'spec', 'template', 'spec', 'nodeSelector')),
    formatAge(ds.metadata.creationTimestamp, now),
    ...containerCells(field(ds, 'spec', 'template', 'spec')),
    formatLabelSelector(field(ds, 'spec', 'selector')),
  ],
};

/** 'statefulset.apps/web': the controlling owner as kubectl names it (formatResourceName with its kind). */
function controllerName(obj: unknown): string {
  const refs = field(obj, 'metadata', 'ownerReferences');
  const ref = Array.isArray(refs) ? refs.find((r) => r?.controller === true) : undefined;
  if (!ref) return '<none>';
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  if (!kind && !group) return String(ref.name ?? '');
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${String(ref.name ?? '')}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn,
  ],
  cells: (rev, now) => [controllerName(rev), int(rev, 'revision'), formatAge(rev.metadata.creationTimestamp, now)],
};

/** Deployments, ReplicaSets and ReplicationControllers as kubectl prints them. */
import { formatAge } from '@skiff/api';
import { ageColumn, column, containerCells, field, formatLabelSelector, formatMapSelector, int, type TablePrinter } from './table.ts';

const wideColumns = [
  column('Containers', 'Names of each container in the template.', { wide: true }),
  column('Images', 'Images referenced by each container in the template.', { wide: true }),
  column('Selector', 'Label selector for pods.', { wide: true }),
];

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
    `${int(d, 'status', 'readyReplicas')}/${desired(d)}`, int(d, 'status', 'updatedReplicas'), int(d, 'status', 'availableReplicas'),
    formatAge(d.metadata.creationTimestamp, now), ...containerCells(field(d, 'spec', 'template', 'spec')), formatLabelSelector(field(d, 'spec', 'selector')),
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
    desired(rs), int(rs, 'status', 'replicas'), int(rs, 'status', 'readyReplicas'), formatAge(rs.metadata.creationTimestamp, now),
    ...containerCells(field(rs, 'spec', 'template', 'spec')), formatLabelSelector(field(rs, 'spec', 'selector')),
  ],
};

export const replicationControllerPrinter: TablePrinter = {
  columns: replicaColumns,
  cells: (rc, now) => [
    desired(rc), int(rc, 'status', 'replicas'), int(rc, 'status', 'readyReplicas'), formatAge(rc.metadata.creationTimestamp, now),
    ...containerCells(field(rc, 'spec', 'template', 'spec')), formatMapSelector(field(rc, 'spec', 'selector')),
  ],
};

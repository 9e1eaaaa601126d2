/** PodDisruptionBudgets as kubectl prints them (printPodDisruptionBudget). */
import { formatAge } from '@skiff/api';
import { ageColumn, column, field, int, type TablePrinter } from './table.ts';

/** An IntOrString as Go's String() prints it (2, or "50%"); N/A when the budget does not set it. */
function intOrStringOrNA(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : 'N/A';
}

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    column('Min Available', 'The minimum number of pods that must be available'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time', { type: 'integer' }),
    ageColumn,
  ],
  cells: (pdb, now) => [
    intOrStringOrNA(field(pdb, 'spec', 'minAvailable')),
    intOrStringOrNA(field(pdb, 'spec', 'maxUnavailable')),
    int(pdb, 'status', 'disruptionsAllowed'),
    formatAge(pdb.metadata.creationTimestamp, now),
  ],
};

/**
 * PriorityClasses as kubectl prints them (printPriorityClass): NAME VALUE GLOBAL-DEFAULT AGE
 * PREEMPTIONPOLICY. The server chooses the columns, so every kubectl shows all five.
 */
import { formatAge } from '@skiff/api';
import { ageColumn, column, int, str, type TablePrinter } from './table.ts';

export const priorityClassPrinter: TablePrinter = {
  columns: [
    column(
      'Value',
      'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.',
      { type: 'integer' },
    ),
    column(
      'Global-Default',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
      { type: 'boolean' },
    ),
    ageColumn,
    column(
      'PreemptionPolicy',
      'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.',
    ),
  ],
  cells: (pc, now) => [int(pc, 'value'), pc.globalDefault === true, formatAge(pc.metadata.creationTimestamp, now), str(pc, 'preemptionPolicy')],
};

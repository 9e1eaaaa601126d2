/** CustomResourceDefinitions: NAME CREATED AT, as kube-apiserver prints them (the time itself, not an age). */
import { column, str, type TablePrinter } from './table.ts';

export const customResourceDefinitionPrinter: TablePrinter = {
  columns: [column('Created At', 'Creation timestamp of the CustomResourceDefinition', { type: 'date' })],
  cells: (obj) => [str(obj, 'metadata', 'creationTimestamp')],
};

/**
 * Tables for custom resources: the CRD version's additionalPrinterColumns (JSONPath into
 * each object) after NAME, as apiextensions-apiserver prints them; a version without columns
 * gets AGE. The first value a path finds fills the cell; none leaves it empty (kubectl: <none>);
 * `date` columns print as ages, as upstream's table convertor does.
 */
import { formatAge } from '@skiff/api';
import { readJsonPath } from '../../registry/custom-resources/json-path.ts';
import type { CustomResourceInfo, PrinterColumn } from '../../registry/custom-resources/served-resources.ts';
import { defaultPrinter, type Cell, type TableColumnDefinition, type TablePrinter } from './table.ts';

const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

/** Go's nil cell: kubectl prints `<none>`. The Cell type has no null, so it is cast once here. */
const NO_VALUE = null as unknown as Cell;

function cellOf(column: PrinterColumn, obj: unknown, now: number): Cell {
  const value = readJsonPath(obj, column.jsonPath)[0];
  if (value === undefined || value === null) return NO_VALUE;
  switch (column.type) {
    case 'date':
      return typeof value === 'string' ? formatAge(value, now) : NO_VALUE;
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : NO_VALUE;
    case 'boolean':
      return typeof value === 'boolean' ? value : NO_VALUE;
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function definitionOf(column: PrinterColumn): TableColumnDefinition {
  return {
    name: column.name,
    type: (COLUMN_TYPES.has(column.type) ? column.type : 'string') as TableColumnDefinition['type'],
    format: column.format ?? '',
    description: column.description ?? '',
    priority: column.priority ?? 0,
  };
}

export function customResourcePrinter(res: CustomResourceInfo): TablePrinter {
  const columns = res.custom.printerColumns;
  if (columns.length === 0) return defaultPrinter;
  return {
    columns: columns.map(definitionOf),
    cells: (obj, now) => columns.map((column) => cellOf(column, obj, now)),
  };
}

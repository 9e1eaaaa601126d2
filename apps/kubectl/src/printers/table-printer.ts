/**
 * Human-readable tables from the server's meta.k8s.io Table, laid out as kubectl's
 * tabwriter does: upper-case headers, columns padded by three spaces, NAMESPACE first
 * with -A, `kind.group/name` names when several kinds print together, LABELS last with
 * --show-labels, priority-1 columns only with -o wide.
 */
import type { Table, TableRow } from '../table-client.ts';

export interface TableOptions {
  wide?: boolean;
  noHeaders?: boolean;
  showLabels?: boolean;
  /** Prepend a NAMESPACE column (-A on namespaced resources). */
  withNamespace?: boolean;
  /** 'deployment.apps': names print as deployment.apps/web. */
  namePrefix?: string;
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '<none>';
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

/** 'a=1,b=2' sorted by key, or '<none>'. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** Which of the table's columns to print. */
function visibleColumns(table: Table, opts: TableOptions): number[] {
  return table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => opts.wide || c.priority === 0)
    .map(({ i }) => i);
}

export function headerCells(table: Table, opts: TableOptions): string[] {
  const cols = visibleColumns(table, opts).map((i) => table.columnDefinitions[i].name.toUpperCase());
  if (opts.withNamespace) cols.unshift('NAMESPACE');
  if (opts.showLabels) cols.push('LABELS');
  return cols;
}

export function rowCells(table: Table, row: TableRow, opts: TableOptions): string[] {
  const cols = visibleColumns(table, opts);
  const cells = cols.map((i) => {
    const text = cellText(row.cells[i]);
    return opts.namePrefix && table.columnDefinitions[i].format === 'name' ? `${opts.namePrefix}/${text}` : text;
  });
  if (opts.withNamespace) cells.unshift(row.object?.metadata?.namespace ?? '');
  if (opts.showLabels) cells.push(formatLabels(row.object?.metadata?.labels));
  return cells;
}

/** The table's lines (header first unless noHeaders). */
export function tableRows(table: Table, opts: TableOptions): string[][] {
  const rows = table.rows.map((r) => rowCells(table, r, opts));
  return opts.noHeaders ? rows : [headerCells(table, opts), ...rows];
}

/** Column widths of `rows`, for aligning later rows (watch) with the first batch. */
export function columnWidths(rows: string[][]): number[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return widths;
}

/** Lays rows out like Go's tabwriter(minwidth 0, tabwidth 8, padding 3): the last cell is never padded. */
export function formatColumns(rows: string[][], widths = columnWidths(rows)): string {
  return rows
    .map(
      (row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
          .join('')
          .trimEnd() + '\n',
    )
    .join('');
}

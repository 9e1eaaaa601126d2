/**
 * `-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image` and
 * `-o custom-columns-file=F` (a header line and a line of specs, whitespace separated), as
 * kubectl prints them: each spec is relaxed JSONPath (`.a.b`, `a.b`, `{.a.b}`), several
 * results join with ",", none prints `<none>`, values print as Go does (`map[app:web]`),
 * and the columns align as kubectl's tabwriter (minimum width 6, padding 3).
 */
import { CliError } from '../errors.ts';
import { formatGoValue } from './go-template.ts';
import { evaluatePath, parsePath } from './jsonpath.ts';

export interface CustomColumn {
  header: string;
  /** The path inside `{...}`: `.metadata.name`. */
  path: string;
}

/** kubectl's RelaxedJSONPathExpression: `a.b`, `.a.b`, `{a.b}`, `{.a.b}` all mean `.a.b`. */
export function relaxedPath(spec: string): string {
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(spec);
  if (!m) throw new CliError(`unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`);
  return `.${m[1] ?? m[2]}`;
}

/** Parses `H1:spec1,H2:spec2`. */
export function parseColumnsSpec(spec: string): CustomColumn[] {
  if (!spec) throw new CliError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) throw new CliError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return checked({ header: part.slice(0, colon), path: relaxedPath(part.slice(colon + 1)) });
  });
}

/** Parses a custom-columns-file: headers on the first line, specs on the second. */
export function parseColumnsFile(text: string): CustomColumn[] {
  const lines = text.split('\n');
  const words = (line: string | undefined): string[] => (line ?? '').split(/\s+/).filter(Boolean);
  if (lines.length < 1 || (lines[0] === '' && lines.length === 1))
    throw new CliError(
      'invalid template, missing header line. Expected format is one line of space separated headers, one line of space separated column specs.',
    );
  if (lines.length < 2)
    throw new CliError(
      'invalid template, missing spec line. Expected format is one line of space separated headers, one line of space separated column specs.',
    );
  const headers = words(lines[0]);
  const specs = words(lines[1]);
  if (headers.length !== specs.length) throw new CliError(`number of headers (${headers.length}) and field specifications (${specs.length}) don't match`);
  return headers.map((header, i) => checked({ header, path: relaxedPath(specs[i]) }));
}

function checked(column: CustomColumn): CustomColumn {
  parsePath(column.path, `{${column.path}}`);
  return column;
}

/** One row's cells for `obj`. */
export function columnCells(columns: CustomColumn[], obj: unknown): string[] {
  return columns.map((c) => {
    const values = evaluatePath(obj, parsePath(c.path));
    return values.length === 0 ? '<none>' : values.map(formatGoValue).join(',');
  });
}

/** Go's tabwriter as kubectl's printers configure it: minwidth 6, padding 3, the last cell unpadded. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 6, cell.length + 3);
    });
  return rows.map((row) => `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('')}\n`).join('');
}

/** The header (unless noHeaders) and one row per item of a List, or the one object. */
export function renderCustomColumns(columns: CustomColumn[], data: unknown, noHeaders = false): string {
  const items = isList(data) ? (data as { items: unknown[] }).items : [data];
  const rows = items.map((item) => columnCells(columns, item));
  return alignColumns(noHeaders ? rows : [columns.map((c) => c.header), ...rows]);
}

function isList(data: unknown): boolean {
  return (
    data !== null &&
    typeof data === 'object' &&
    Array.isArray((data as { items?: unknown }).items) &&
    String((data as { kind?: unknown }).kind ?? '').endsWith('List')
  );
}

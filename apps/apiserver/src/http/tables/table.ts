/**
 * meta.k8s.io Table: what `kubectl get` asks for with `Accept: ...;as=Table`. Each kind
 * family has a printer (columns + a row function); kinds without one get NAME and AGE.
 */
import type { KubeObject } from '../../storage/store.ts';
import { formatAge, fromLabelSelector, type LabelSelector } from '@skiff/api';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority: number;
}

export type Cell = string | number | boolean;

export interface TablePrinter {
  /** Columns after NAME, which comes first unless `placesName` says the printer places it itself. */
  columns: TableColumnDefinition[];
  placesName?: boolean;
  cells(obj: KubeObject, now: number): Cell[];
}

export function column(
  name: string,
  description: string,
  opts: { type?: TableColumnDefinition['type']; wide?: boolean; format?: string } = {},
): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

export const nameColumn = column('Name', 'Name must be unique within a namespace. Cannot be updated.', { format: 'name' });
export const ageColumn = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** NAME AGE: the printer for kinds without a dedicated one. */
export const defaultPrinter: TablePrinter = {
  columns: [ageColumn],
  cells: (obj, now) => [formatAge(obj.metadata?.creationTimestamp, now)],
};

/** Small typed accessors: printers read untyped JSON. */
export function field(obj: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}
export function list(obj: unknown, ...path: string[]): Record<string, unknown>[] {
  const v = field(obj, ...path);
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}
export function str(obj: unknown, ...path: string[]): string {
  const v = field(obj, ...path);
  return typeof v === 'string' ? v : '';
}
export function int(obj: unknown, ...path: string[]): number {
  const v = field(obj, ...path);
  return typeof v === 'number' ? v : 0;
}
export function orNone(s: string): string {
  return s === '' ? '<none>' : s;
}

/**
 * metav1.FormatLabelSelector: requirements sorted by key, values sorted ('app=web,tier in
 * (a,b)'); `<none>` when it selects everything or nothing, `<error>` when malformed.
 */
export function formatLabelSelector(selector: unknown): string {
  try {
    return fromLabelSelector(selector as LabelSelector | undefined).toString() || '<none>';
  } catch {
    return '<error>';
  }
}

/** A map selector (Service, ReplicationController): 'app=web'. */
export function formatMapSelector(selector: unknown): string {
  if (!selector || typeof selector !== 'object') return '<none>';
  const parts = Object.entries(selector as Record<string, string>)
    .sort()
    .map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? '<none>' : parts.join(',');
}

/** Containers and images columns of workloads. */
export function containerCells(podSpec: unknown): [string, string] {
  const containers = list(podSpec, 'containers');
  return [containers.map((c) => String(c.name ?? '')).join(','), containers.map((c) => String(c.image ?? '')).join(',')];
}

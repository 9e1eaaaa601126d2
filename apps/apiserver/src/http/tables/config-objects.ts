/** ConfigMaps, Secrets and ServiceAccounts as kubectl prints them. */
import { formatAge } from '@skiff/api';
import { ageColumn, column, field, list, str, type TablePrinter } from './table.ts';

function countKeys(obj: unknown, ...fields: string[]): number {
  let n = 0;
  for (const f of fields) {
    const v = field(obj, f);
    if (v && typeof v === 'object') n += Object.keys(v).length;
  }
  return n;
}

export const configMapPrinter: TablePrinter = {
  columns: [column('Data', 'Number of data in configmap', { type: 'integer' }), ageColumn],
  cells: (cm, now) => [countKeys(cm, 'data', 'binaryData'), formatAge(cm.metadata.creationTimestamp, now)],
};

export const secretPrinter: TablePrinter = {
  columns: [column('Type', 'The type of the secret'), column('Data', 'The number of data entries in the secret', { type: 'integer' }), ageColumn],
  cells: (s, now) => [str(s, 'type') || 'Opaque', countKeys(s, 'data', 'stringData'), formatAge(s.metadata.creationTimestamp, now)],
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [column('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount', { type: 'integer' }), ageColumn],
  cells: (sa, now) => [list(sa, 'secrets').length, formatAge(sa.metadata.creationTimestamp, now)],
};

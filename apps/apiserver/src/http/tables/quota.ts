/**
 * ResourceQuotas and LimitRanges as kubectl prints them (printResourceQuota, printLimitRange):
 * quotas NAME AGE REQUEST LIMIT, each resource of spec.hard sorted by name as `used/hard`
 * (`limits.*` in LIMIT, the rest in REQUEST); limit ranges NAME CREATED AT, as Roles print.
 */
import { formatAge, parseQuantity } from '@skiff/api';
import { rolePrinter } from './rbac.ts';
import { ageColumn, column, type TablePrinter } from './table.ts';

/** Quantity.String() of a status value; a missing one is the zero quantity, `0`. */
function quantityString(value: unknown): string {
  if (value === undefined || value === null) return '0';
  try {
    return parseQuantity(value as string).toString();
  } catch {
    return String(value);
  }
}

export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    ageColumn,
    column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells: (quota, now) => {
    const hard = (quota.spec as { hard?: Record<string, unknown> } | undefined)?.hard ?? {};
    const status = (quota.status ?? {}) as { hard?: Record<string, unknown>; used?: Record<string, unknown> };
    const request: string[] = [];
    const limit: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const cell = `${name}: ${quantityString(status.used?.[name])}/${quantityString(status.hard?.[name])}`;
      (name.split('.').length > 1 && name.split('.')[0] === 'limits' ? limit : request).push(cell);
    }
    return [formatAge(quota.metadata.creationTimestamp, now), request.join(', '), limit.join(', ')];
  },
};

export const limitRangePrinter: TablePrinter = rolePrinter;

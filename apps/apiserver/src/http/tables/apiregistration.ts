/** APIServices: NAME SERVICE AVAILABLE AGE, as kube-aggregator prints them (`Local`, `True`, `False (MissingEndpoints)`). */
import { formatAge } from '@skiff/api';
import { ageColumn, column, list, str, type TablePrinter } from './table.ts';

export const apiServicePrinter: TablePrinter = {
  columns: [
    column('Service', 'The reference to the service that hosts this API endpoint.'),
    column('Available', 'Whether this service is available.'),
    ageColumn,
  ],
  cells: (obj, now) => {
    const ns = str(obj, 'spec', 'service', 'namespace');
    const service = ns === '' ? 'Local' : `${ns}/${str(obj, 'spec', 'service', 'name')}`;
    const available = list(obj, 'status', 'conditions').find((c) => c.type === 'Available');
    const status = typeof available?.status === 'string' ? available.status : 'Unknown';
    const shown = status === 'True' || !available?.reason ? status : `${status} (${String(available.reason)})`;
    return [service, shown, formatAge(obj.metadata?.creationTimestamp, now)];
  },
};

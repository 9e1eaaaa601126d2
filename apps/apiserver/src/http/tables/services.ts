/** Services, Endpoints and EndpointSlices as kubectl prints them. */
import { formatAge } from '@skiff/api';
import { ageColumn, column, field, formatMapSelector, list, str, type TablePrinter } from './table.ts';

/** First three entries then ' + N more...', as kubectl abbreviates address lists. */
function abbreviate(items: string[], none: string): string {
  if (items.length === 0) return none;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

function externalIp(svc: unknown): string {
  const type = str(svc, 'spec', 'type') || 'ClusterIP';
  const externalIPs = (field(svc, 'spec', 'externalIPs') as string[] | undefined) ?? [];
  if (type === 'ExternalName') return str(svc, 'spec', 'externalName');
  if (type === 'LoadBalancer') {
    // The balancer's addresses (IP, else hostname) sorted and unique, then the external IPs.
    const ingress = list(svc, 'status', 'loadBalancer', 'ingress')
      .map((i) => str(i, 'ip') || str(i, 'hostname'))
      .filter(Boolean);
    const all = [...[...new Set(ingress)].sort(), ...externalIPs];
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  if (type !== 'ClusterIP' && type !== 'NodePort') return '<unknown>';
  return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
}

/** Go's net.JoinHostPort: IPv6 addresses in brackets. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function formatServicePorts(svc: unknown): string {
  const ports = list(svc, 'spec', 'ports').map((p) => {
    const protocol = String(p.protocol ?? 'TCP');
    return p.nodePort ? `${String(p.port)}:${String(p.nodePort)}/${protocol}` : `${String(p.port)}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export const servicePrinter: TablePrinter = {
  columns: [
    column('Type', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    ageColumn,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  cells: (svc, now) => [
    str(svc, 'spec', 'type') || 'ClusterIP',
    str(svc, 'spec', 'clusterIP') || '<none>',
    externalIp(svc),
    formatServicePorts(svc),
    formatAge(svc.metadata.creationTimestamp, now),
    formatMapSelector(field(svc, 'spec', 'selector')),
  ],
};

export const endpointsPrinter: TablePrinter = {
  columns: [column('Endpoints', 'Endpoints of the service.'), ageColumn],
  cells: (ep, now) => {
    // Port by port, every ready address of the subset: 10.0.0.1:80,10.0.0.2:80,10.0.0.1:443.
    const items: string[] = [];
    for (const subset of list(ep, 'subsets')) {
      const ips = list(subset, 'addresses').map((a) => str(a, 'ip'));
      const ports = list(subset, 'ports');
      if (ports.length === 0) items.push(...ips);
      for (const p of ports) items.push(...ips.map((ip) => joinHostPort(ip, String(p.port))));
    }
    return [abbreviate(items, '<none>'), formatAge(ep.metadata.creationTimestamp, now)];
  },
};

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    column('AddressType', 'The type of addresses in this EndpointSlice.'),
    column('Ports', 'The ports of this EndpointSlice.'),
    column('Endpoints', 'The endpoints of this EndpointSlice.'),
    ageColumn,
  ],
  cells: (slice, now) => {
    // A port without a number is shown by name, or '*' (every port).
    const ports = list(slice, 'ports').map((p) => (typeof p.port === 'number' ? String(p.port) : str(p, 'name') || '*'));
    const addresses = list(slice, 'endpoints').flatMap((e) => (Array.isArray(e.addresses) ? (e.addresses as string[]) : []));
    return [str(slice, 'addressType'), abbreviate(ports, '<unset>'), abbreviate(addresses, '<unset>'), formatAge(slice.metadata.creationTimestamp, now)];
  },
};

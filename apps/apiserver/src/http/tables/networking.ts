/** Ingresses, IngressClasses and NetworkPolicies as kubectl prints them (printIngress & co.). */
import { formatAge } from '@skiff/api';
import { ageColumn, column, field, formatLabelSelector, list, orNone, str, type TablePrinter } from './table.ts';

/**
 * formatHosts: the first three rule hosts, then ' + N more...' counting every further rule;
 * `*` when no rule names a host (the Ingress answers any).
 */
function formatHosts(ing: unknown): string {
  const rules = list(ing, 'spec', 'rules');
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    const host = str(rule, 'host');
    if (!more && host !== '') hosts.push(host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

/** The load balancer's addresses (IP, else hostname), sorted and unique; the server prints them wide, uncut. */
function formatAddresses(ing: unknown): string {
  const addresses = list(ing, 'status', 'loadBalancer', 'ingress')
    .map((i) => str(i, 'ip') || str(i, 'hostname'))
    .filter(Boolean);
  return [...new Set(addresses)].sort().join(',');
}

export const ingressPrinter: TablePrinter = {
  columns: [
    column('Class', 'The name of the IngressClass resource that should be used for ingress class matching'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    ageColumn,
  ],
  cells: (ing, now) => [
    orNone(str(ing, 'spec', 'ingressClassName')),
    formatHosts(ing),
    formatAddresses(ing),
    list(ing, 'spec', 'tls').length > 0 ? '80, 443' : '80',
    formatAge(ing.metadata.creationTimestamp, now),
  ],
};

/** `Kind.apiGroup/name` of the class's parameters, or <none>. */
function formatParameters(ic: unknown): string {
  if (field(ic, 'spec', 'parameters') == null) return '<none>';
  const group = field(ic, 'spec', 'parameters', 'apiGroup');
  const kind = str(ic, 'spec', 'parameters', 'kind') + (typeof group === 'string' ? `.${group}` : '');
  return `${kind}/${str(ic, 'spec', 'parameters', 'name')}`;
}

export const ingressClassPrinter: TablePrinter = {
  columns: [
    column('Controller', 'Controller that is responsible for handling this class'),
    column('Parameters', 'A reference to a resource with additional parameters'),
    ageColumn,
  ],
  cells: (ic, now) => [str(ic, 'spec', 'controller'), formatParameters(ic), formatAge(ic.metadata.creationTimestamp, now)],
};

export const networkPolicyPrinter: TablePrinter = {
  columns: [
    column(
      'Pod-Selector',
      'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
    ),
    ageColumn,
  ],
  cells: (np, now) => [formatLabelSelector(field(np, 'spec', 'podSelector') ?? {}), formatAge(np.metadata.creationTimestamp, now)],
};

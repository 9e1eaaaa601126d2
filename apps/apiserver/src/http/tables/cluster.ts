/** Nodes, Namespaces, Events and Leases as kubectl prints them. */
import { formatAge } from '@skiff/api';
import { ageColumn, column, field, int, list, nameColumn, str, type TablePrinter } from './table.ts';

/**
 * kubectl's node STATUS: `Ready` for a True Ready condition and `NotReady` for any other
 * status, Unknown included (a node whose kubelet stopped); `Unknown` only when the node
 * has no Ready condition at all; then `SchedulingDisabled` when cordoned.
 */
export function nodeStatus(node: unknown): string {
  const ready = list(node, 'status', 'conditions').find((c) => c.type === 'Ready');
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (field(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` labels and the older `kubernetes.io/role`. */
function nodeRoles(node: unknown): string {
  const labels = (field(node, 'metadata', 'labels') ?? {}) as Record<string, string>;
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length) || v);
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

function nodeAddress(node: unknown, type: string): string {
  return String(list(node, 'status', 'addresses').find((a) => a.type === type)?.address ?? '<none>');
}

export const nodePrinter: TablePrinter = {
  columns: [
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { wide: true }),
    column('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { wide: true }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { wide: true }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { wide: true }),
    column('Container-Runtime', 'Container runtime version reported by the node.', { wide: true }),
  ],
  cells: (node, now) => [
    nodeStatus(node),
    nodeRoles(node),
    formatAge(node.metadata.creationTimestamp, now),
    str(node, 'status', 'nodeInfo', 'kubeletVersion'),
    nodeAddress(node, 'InternalIP'),
    nodeAddress(node, 'ExternalIP'),
    str(node, 'status', 'nodeInfo', 'osImage') || '<unknown>',
    str(node, 'status', 'nodeInfo', 'kernelVersion') || '<unknown>',
    str(node, 'status', 'nodeInfo', 'containerRuntimeVersion') || '<unknown>',
  ],
};

export const namespacePrinter: TablePrinter = {
  columns: [column('Status', 'The status of the namespace'), ageColumn],
  cells: (ns, now) => [str(ns, 'status', 'phase'), formatAge(ns.metadata.creationTimestamp, now)],
};

export const leasePrinter: TablePrinter = {
  columns: [column('Holder', 'The holder of the lease.'), ageColumn],
  cells: (lease, now) => [str(lease, 'spec', 'holderIdentity'), formatAge(lease.metadata.creationTimestamp, now)],
};

/** The most recent of an Event's timestamps (series, lastTimestamp, eventTime, then creation). */
function eventLastSeen(ev: unknown): string {
  return str(ev, 'series', 'lastObservedTime') || str(ev, 'lastTimestamp') || str(ev, 'eventTime') || str(ev, 'metadata', 'creationTimestamp');
}

/** Events lead with LAST SEEN; like kube-apiserver, NAME is a wide column at the end. */
export const eventPrinter: TablePrinter = {
  placesName: true,
  columns: [
    column('Last Seen', 'Time when last event from the series was seen'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    column('Reason', 'This should be a short, machine understandable string that gives the reason for this event being generated.'),
    column('Object', 'The object that this event is about.'),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('Source', 'The component reporting this event.', { wide: true }),
    column('First Seen', 'The time at which the event was first recorded.', { wide: true }),
    column('Count', 'The number of times this event has occurred.', { type: 'integer', wide: true }),
    { ...nameColumn, priority: 1 },
  ],
  cells: (ev, now) => {
    const kind = str(ev, 'involvedObject', 'kind').toLowerCase();
    const name = str(ev, 'involvedObject', 'name');
    const source = str(ev, 'source', 'component') || str(ev, 'reportingComponent');
    const host = str(ev, 'source', 'host');
    return [
      formatAge(eventLastSeen(ev), now),
      str(ev, 'type'),
      str(ev, 'reason'),
      `${kind}/${name}`,
      str(ev, 'message').trim(),
      host ? `${source}, ${host}` : source,
      formatAge(str(ev, 'firstTimestamp') || str(ev, 'eventTime'), now),
      int(ev, 'count') || 1,
      ev.metadata.name ?? '',
    ];
  },
};

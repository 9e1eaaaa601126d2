import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from '@skiff/api';
import { isPodReady } from '../common/pod-readiness.ts';
import { findPodPort, podHostnameFor, shouldPodBeInEndpoints } from './pod-endpoint.ts';

/** One pod's contribution before repacking: its address, readiness and the ports it serves. */
interface PodEntry {
  address: EndpointAddress;
  ready: boolean;
  ports: EndpointPort[];
}

/**
 * The subsets of a service's Endpoints, as kube's endpoints controller computes them:
 * every selected pod with an IP that is not terminating (terminating ones only under
 * publishNotReadyAddresses) becomes an address, ready ones under `addresses`, the rest
 * under `notReadyAddresses` (publishNotReadyAddresses makes them all ready). Each service
 * port is resolved per pod (a named targetPort can differ between pods, and a pod without
 * it does not serve that port), then pods with identical port sets share one subset.
 *
 * `pods` must already be the pods the service's selector matches.
 */
export function buildSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = svc.spec?.ports ?? [];
  const entries: PodEntry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ports: EndpointPort[] = [];
    for (const servicePort of servicePorts) {
      const port = findPodPort(pod, servicePort);
      if (port === undefined) continue;
      ports.push(endpointPort(servicePort.name, port, servicePort.protocol ?? 'TCP', servicePort.appProtocol));
    }
    // A pod serving none of the service's ports is no endpoint, except that a headless
    // service without ports still publishes addresses (for DNS).
    if (ports.length === 0 && !(servicePorts.length === 0 && svc.spec?.clusterIP === 'None')) continue;
    entries.push({ address: podAddress(pod, svc), ready: publishNotReady || isPodReady(pod), ports });
  }
  return repackSubsets(entries);
}

function endpointPort(name: string | undefined, port: number, protocol: string, appProtocol: string | undefined): EndpointPort {
  const out: EndpointPort = { port, protocol };
  if (name) out.name = name;
  if (appProtocol) out.appProtocol = appProtocol;
  return out;
}

function podAddress(pod: Pod, svc: Service): EndpointAddress {
  const address: EndpointAddress = {
    ip: pod.status!.podIP!,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  const hostname = podHostnameFor(pod, svc);
  if (hostname) address.hostname = hostname;
  return address;
}

/**
 * kube's RepackSubsets: group addresses by the exact set of ports they serve, one subset
 * per distinct set, everything sorted so an unchanged world yields an identical object
 * (and the controller writes nothing).
 */
export function repackSubsets(entries: readonly PodEntry[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const entry of entries) {
    const ports = [...entry.ports].sort(comparePorts);
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, ready: [], notReady: [] }));
    (entry.ready ? group.ready : group.notReady).push(entry.address);
  }
  const subsets: EndpointSubset[] = [];
  for (const group of groups.values()) {
    const subset: EndpointSubset = {};
    if (group.ready.length) subset.addresses = group.ready.sort(compareAddresses);
    if (group.notReady.length) subset.notReadyAddresses = group.notReady.sort(compareAddresses);
    if (group.ports.length) subset.ports = group.ports;
    subsets.push(subset);
  }
  return subsets.sort((a, b) => compareStrings(subsetSortKey(a), subsetSortKey(b)));
}

function subsetSortKey(subset: EndpointSubset): string {
  return JSON.stringify(subset.ports ?? []);
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return compareStrings(a.name ?? '', b.name ?? '') || a.port - b.port || compareStrings(a.protocol ?? '', b.protocol ?? '');
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareStrings(a.ip, b.ip) || compareStrings(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kubernetes caps an Endpoints object at 1000 addresses; EndpointSlices carry the rest. */
export const MAX_ENDPOINT_ADDRESSES = 1000;

/**
 * Cuts subsets down to `max` addresses, ready ones first (they carry traffic), keeping
 * subset order; answers whether anything was cut, for the over-capacity annotation.
 */
export function truncateSubsets(subsets: readonly EndpointSubset[], max = MAX_ENDPOINT_ADDRESSES): { subsets: EndpointSubset[]; truncated: boolean } {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= max) return { subsets: [...subsets], truncated: false };
  let budget = max;
  const take = (list: EndpointAddress[] | undefined) => {
    const kept = (list ?? []).slice(0, budget);
    budget -= kept.length;
    return kept;
  };
  const ready = subsets.map((s) => take(s.addresses));
  const notReady = subsets.map((s) => take(s.notReadyAddresses));
  const out: EndpointSubset[] = [];
  subsets.forEach((s, i) => {
    if (!ready[i].length && !notReady[i].length) return;
    out.push({
      ...(ready[i].length ? { addresses: ready[i] } : {}),
      ...(notReady[i].length ? { notReadyAddresses: notReady[i] } : {}),
      ...(s.ports ? { ports: s.ports } : {}),
    });
  });
  return { subsets: out, truncated: true };
}

/**
 * Whether two subset lists say the same thing. Both are normalized first (the stored
 * object may carry empty arrays or key orders we do not produce), so a server round trip
 * of our own output compares equal.
 */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  return JSON.stringify(normalizeSubsets(a)) === JSON.stringify(normalizeSubsets(b));
}

function normalizeSubsets(subsets: readonly EndpointSubset[] | undefined): unknown {
  const entries: PodEntry[] = [];
  for (const subset of subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => endpointPort(p.name, p.port, p.protocol ?? 'TCP', p.appProtocol));
    for (const address of subset.addresses ?? []) entries.push({ address: normalizeAddress(address), ready: true, ports });
    for (const address of subset.notReadyAddresses ?? []) entries.push({ address: normalizeAddress(address), ready: false, ports });
  }
  return repackSubsets(entries);
}

/** Fixed key order, only the fields we set, so JSON text comparison is meaningful. */
function normalizeAddress(address: EndpointAddress): EndpointAddress {
  const ref = address.targetRef;
  return {
    ip: address.ip,
    ...(address.hostname ? { hostname: address.hostname } : {}),
    ...(address.nodeName ? { nodeName: address.nodeName } : {}),
    ...(ref ? { targetRef: { kind: ref.kind, namespace: ref.namespace, name: ref.name, uid: ref.uid } } : {}),
  };
}

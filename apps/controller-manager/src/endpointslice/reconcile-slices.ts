import type { Endpoint, EndpointSlice, Pod, Service } from '@skiff/api';
import type { EndpointPort as SlicePort } from 'kubernetes-types/discovery/v1.js';
import { isPodReady } from '../common/pod-readiness.ts';
import { findPodPort, labelsForService, podHostnameFor, shouldPodBeInEndpoints } from '../endpoints/pod-endpoint.ts';

export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** The writes that turn the existing slices into the desired ones. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** Endpoints that serve the same resolved ports go together: a slice has one port list. */
interface PortGroup {
  ports: SlicePort[];
  /** endpoint key (pod uid or IP) → endpoint */
  endpoints: Map<string, Endpoint>;
}

/**
 * kube's endpointslice reconciler, minimal-change edition. Pods are grouped by the ports
 * they serve; per group, existing slices keep the endpoints that are still wanted
 * (updated in place when they changed), drop the rest (a slice left empty is deleted),
 * then new endpoints fill the slices being rewritten anyway, and only then new slices of
 * at most `maxPerSlice`. A service with no endpoints keeps one empty placeholder slice,
 * as kube does, so watchers can tell "no endpoints" from "not processed yet".
 */
export function reconcileSlices(svc: Service, pods: readonly Pod[], existing: readonly EndpointSlice[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const groups = groupDesiredEndpoints(svc, pods);
  const metaStale = (slice: EndpointSlice) => !sliceMetaCurrent(slice, svc);
  let kept = 0;
  const slicesByGroup = new Map<string, EndpointSlice[]>();
  for (const slice of [...existing].sort((a, b) => compareStrings(a.metadata?.name ?? '', b.metadata?.name ?? ''))) {
    const key = portsKey(slice.ports ?? []);
    slicesByGroup.set(key, [...(slicesByGroup.get(key) ?? []), slice]);
  }

  for (const [key, slices] of slicesByGroup) {
    const wanted = groups.get(key)?.endpoints ?? new Map<string, Endpoint>();
    const unchanged: EndpointSlice[] = [];
    const rewritten: EndpointSlice[] = [];
    const emptied: EndpointSlice[] = [];
    for (const slice of slices) {
      const next: Endpoint[] = [];
      let changed = metaStale(slice);
      for (const ep of slice.endpoints ?? []) {
        const want = wanted.get(endpointKey(ep));
        if (!want) {
          changed = true;
          continue;
        }
        if (!endpointsEqual(ep, want)) changed = true;
        next.push(want);
        wanted.delete(endpointKey(ep));
      }
      if (next.length === 0) emptied.push(slice);
      else if (changed) rewritten.push(withEndpoints(slice, svc, next));
      else unchanged.push(slice);
    }
    // Leftovers first go where we write anyway, then into the unchanged slice with the
    // most room when they all fit there (one update instead of a create).
    const remaining = [...wanted.values()];
    for (const slice of rewritten) fill(slice, remaining, maxPerSlice);
    // A slice whose every pod was replaced is reused rather than deleted and recreated.
    for (const slice of emptied) {
      if (!remaining.length) {
        plan.delete.push(slice);
        continue;
      }
      const reused = withEndpoints(slice, svc, []);
      fill(reused, remaining, maxPerSlice);
      rewritten.push(reused);
    }
    if (remaining.length) {
      const roomiest = unchanged.sort((a, b) => (a.endpoints?.length ?? 0) - (b.endpoints?.length ?? 0))[0];
      if (roomiest && maxPerSlice - (roomiest.endpoints?.length ?? 0) >= remaining.length) {
        unchanged.splice(unchanged.indexOf(roomiest), 1);
        const slice = withEndpoints(roomiest, svc, [...(roomiest.endpoints ?? [])]);
        fill(slice, remaining, maxPerSlice);
        rewritten.push(slice);
      }
    }
    plan.update.push(...rewritten);
    kept += unchanged.length + rewritten.length;
    const group = groups.get(key);
    while (group && remaining.length) plan.create.push(newSlice(svc, group.ports, remaining.splice(0, maxPerSlice)));
    groups.delete(key);
  }
  // Port groups no existing slice had.
  for (const group of groups.values()) {
    const remaining = [...group.endpoints.values()];
    while (remaining.length) plan.create.push(newSlice(svc, group.ports, remaining.splice(0, maxPerSlice)));
  }

  if (kept + plan.create.length === 0) keepPlaceholder(svc, plan, metaStale);
  return plan;
}

function keepPlaceholder(svc: Service, plan: SlicePlan, metaStale: (slice: EndpointSlice) => boolean): void {
  const index = plan.delete.findIndex((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0);
  if (index < 0) {
    plan.create.push(newSlice(svc, [], []));
    return;
  }
  const [placeholder] = plan.delete.splice(index, 1);
  if (metaStale(placeholder)) plan.update.push(withEndpoints(placeholder, svc, []));
}

function fill(slice: EndpointSlice, remaining: Endpoint[], maxPerSlice: number): void {
  const endpoints = slice.endpoints!;
  while (remaining.length && endpoints.length < maxPerSlice) endpoints.push(remaining.shift()!);
}

/** Every selected pod with an IPv4 address, terminating ones included (marked so). */
function groupDesiredEndpoints(svc: Service, pods: readonly Pod[]): Map<string, PortGroup> {
  const groups = new Map<string, PortGroup>();
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true) || pod.status!.podIP!.includes(':')) continue;
    const ports: SlicePort[] = [];
    for (const servicePort of svc.spec?.ports ?? []) {
      const port = findPodPort(pod, servicePort);
      if (port === undefined) continue;
      const out: SlicePort = { name: servicePort.name ?? '', port, protocol: servicePort.protocol ?? 'TCP' };
      if (servicePort.appProtocol) out.appProtocol = servicePort.appProtocol;
      ports.push(out);
    }
    ports.sort((a, b) => compareStrings(a.name ?? '', b.name ?? '') || (a.port ?? 0) - (b.port ?? 0));
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: new Map() }));
    const ep = podToEndpoint(pod, svc, publishNotReady);
    group.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

/**
 * kube's podToEndpoint: `serving` is readiness; `ready` is readiness of a pod that is not
 * terminating (publishNotReadyAddresses forces it true), so traffic drains from pods on
 * their way out while they may still finish in-flight work.
 */
export function podToEndpoint(pod: Pod, svc: Service, publishNotReady: boolean): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const hostname = podHostnameFor(pod, svc);
  if (hostname) ep.hostname = hostname;
  return ep;
}

export function sliceLabels(svc: Service): Record<string, string> {
  return { ...labelsForService(svc), [SERVICE_NAME_LABEL]: svc.metadata!.name!, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
}

function ownerRef(svc: Service) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

function newSlice(svc: Service, ports: SlicePort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: `${svc.metadata!.name}-`, namespace: svc.metadata!.namespace, labels: sliceLabels(svc), ownerReferences: [ownerRef(svc)] },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/** A writable copy of a cached slice with fresh labels/owner and the given endpoints. */
function withEndpoints(slice: EndpointSlice, svc: Service, endpoints: Endpoint[]): EndpointSlice {
  const copy = structuredClone(slice) as EndpointSlice;
  copy.metadata = { ...copy.metadata, labels: sliceLabels(svc), ownerReferences: [ownerRef(svc)] };
  copy.endpoints = endpoints;
  return copy;
}

function sliceMetaCurrent(slice: EndpointSlice, svc: Service): boolean {
  const want = sliceLabels(svc);
  const have = slice.metadata?.labels ?? {};
  if (Object.keys(have).length !== Object.keys(want).length) return false;
  if (!Object.entries(want).every(([k, v]) => have[k] === v)) return false;
  const refs = slice.metadata?.ownerReferences ?? [];
  return refs.length === 1 && refs[0].uid === svc.metadata?.uid && refs[0].controller === true;
}

export function endpointKey(ep: Endpoint): string {
  return ep.targetRef?.uid ? `uid:${ep.targetRef.uid}` : `ip:${ep.addresses[0]}`;
}

function portsKey(ports: readonly SlicePort[]): string {
  const normalized = ports
    .map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? ''] as const)
    .sort((a, b) => compareStrings(a[0], b[0]) || a[1] - b[1]);
  return JSON.stringify(normalized);
}

function endpointsEqual(a: Endpoint, b: Endpoint): boolean {
  return JSON.stringify(normalizeEndpoint(a)) === JSON.stringify(normalizeEndpoint(b));
}

function normalizeEndpoint(ep: Endpoint): unknown {
  const c = ep.conditions ?? {};
  const ref = ep.targetRef;
  return [
    ep.addresses,
    c.ready ?? false,
    c.serving ?? false,
    c.terminating ?? false,
    ep.nodeName ?? '',
    ep.hostname ?? '',
    ref?.kind,
    ref?.namespace,
    ref?.name,
    ref?.uid,
  ];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

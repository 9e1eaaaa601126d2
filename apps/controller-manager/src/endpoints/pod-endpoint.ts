import { selectorFromSet, type Pod, type Service, type ServicePort } from '@skiff/api';
import { objectKey, type EventMapper, type Informer, type KubeObject } from '@skiff/client';
import { isPodReady } from '../common/pod-readiness.ts';

/**
 * What the endpoints and endpointslice controllers share about turning a pod into an
 * endpoint of a service: which pods count, which port a service port lands on, and the
 * DNS hostname a pod gets inside a headless service's subdomain.
 */

/**
 * kube's ShouldPodBeInEndpoints: a pod needs an IP, must not have finished, and a
 * terminating pod only counts when the caller keeps terminating endpoints (slices do,
 * with `terminating: true`; Endpoints do only under publishNotReadyAddresses).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/**
 * The container port a service port reaches on this pod. A number is taken as is; a
 * name is looked up among the pod's container ports with the same protocol, so two pods
 * of one service may serve "http" on different numbers. Undefined: this pod lacks it.
 */
export function findPodPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const asNumber = /^\d+$/.test(target) ? Number(target) : undefined;
  if (asNumber !== undefined) return asNumber;
  const protocol = servicePort.protocol ?? 'TCP';
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** A pod with spec.hostname in the service's subdomain gets `<hostname>.<svc>.<ns>.svc` DNS. */
export function podHostnameFor(pod: Pod, svc: Service): string | undefined {
  const hostname = pod.spec?.hostname;
  if (!hostname || pod.spec?.subdomain !== svc.metadata?.name) return undefined;
  if (pod.metadata?.namespace !== svc.metadata?.namespace) return undefined;
  return hostname;
}

/** Headless services (clusterIP None) are labelled so kube-proxy leaves them alone. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** The labels an Endpoints object or slice inherits: the service's, plus the headless mark. */
export function labelsForService(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** The part of an informer a sync reads: the cache. Tests pass plain fakes. */
export type CacheReader<T extends KubeObject> = Pick<Informer<T>, 'get' | 'list'>;

/** Keys of the services in `namespace` whose selector matches these labels. */
export function serviceKeysSelecting(services: CacheReader<Service>, namespace: string | undefined, labels: Record<string, string> | undefined): string[] {
  if (!namespace) return [];
  const keys: string[] = [];
  for (const svc of services.list(namespace)) {
    const selector = svc.spec?.selector;
    if (selector && selectorFromSet(selector).matches(labels ?? {})) keys.push(objectKey(svc));
  }
  return keys;
}

/**
 * The services a pod update concerns: none when nothing an endpoint shows changed (IP,
 * readiness, node, ...) and the labels stayed (resyncs, status noise); otherwise those
 * selecting the new labels (to add or refresh it) and, if labels changed, those selecting
 * the old ones (to drop it).
 */
export function serviceKeysForPodUpdate(services: CacheReader<Service>, oldPod: Pod, pod: Pod): string[] {
  if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return [];
  const labelsChanged = !sameRecord(oldPod.metadata?.labels, pod.metadata?.labels);
  if (!labelsChanged && podEndpointDigest(oldPod) === podEndpointDigest(pod)) return [];
  const keys = new Set(serviceKeysSelecting(services, pod.metadata?.namespace, pod.metadata?.labels));
  if (labelsChanged) for (const key of serviceKeysSelecting(services, oldPod.metadata?.namespace, oldPod.metadata?.labels)) keys.add(key);
  return [...keys];
}

/** Pod events queue the services selecting the pod (both controllers of endpoints watch pods this way). */
export function podServiceEvents(services: CacheReader<Service>): EventMapper<Pod> {
  const selecting = (pod: Pod) => serviceKeysSelecting(services, pod.metadata?.namespace, pod.metadata?.labels);
  return { add: selecting, update: (oldPod, pod) => serviceKeysForPodUpdate(services, oldPod, pod), delete: selecting };
}

/** What of a pod shows in an endpoint; equal digests mean an update cannot matter. */
function podEndpointDigest(pod: Pod): string {
  const ports = (pod.spec?.containers ?? []).map((c) => c.ports ?? []);
  return JSON.stringify([
    pod.status?.podIP,
    pod.status?.phase,
    isPodReady(pod),
    pod.spec?.nodeName,
    pod.spec?.hostname,
    pod.spec?.subdomain,
    Boolean(pod.metadata?.deletionTimestamp),
    ports,
  ]);
}

export function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b?.[k] === a?.[k]);
}

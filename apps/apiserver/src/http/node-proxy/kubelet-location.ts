/**
 * Where a pod's or node's kubelet is, and which container a request means — with upstream's
 * refusals (pkg/registry/core/pod/strategy.go: LogLocation, streamLocation), which kubectl prints.
 */
import { findResource, nodeAddress, type Node, type Pod } from '@skiff/api';
import { ApiError, errors } from '../../errors.ts';
import type { ApiHandlers } from '../../registry/handlers.ts';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

export interface KubeletLocation {
  host: string;
  port: number;
}

/** Upstream's default --kubelet-preferred-address-types (less the DNS kinds Skiff's kubelets never report). */
const PREFERRED_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname'];

/**
 * The kubelet of a Node: its first address of a preferred type and its daemonEndpoints port, both
 * from the Node object — never a host taken from the request.
 */
export async function locateNode(handlers: ApiHandlers, nodeName: string): Promise<KubeletLocation> {
  const node = (await handlers.get(NODES, undefined, nodeName)) as Node;
  const host = PREFERRED_ADDRESS_TYPES.map((type) => nodeAddress(node, type)).find((a) => a);
  if (!host) throw errors.badRequest(`node ${nodeName} has no address`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!port) throw errors.badRequest(`node ${nodeName} has no kubelet endpoint`);
  return { host, port };
}

export async function getPod(handlers: ApiHandlers, namespace: string, name: string): Promise<Pod> {
  return (await handlers.get(PODS, namespace, name)) as Pod;
}

/** The container a log/exec/attach request names, defaulted when the pod has exactly one. */
export function resolveContainer(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  const containers = pod.spec?.containers ?? [];
  if (!requested) {
    if (containers.length === 1) return containers[0]!.name;
    const all = [...containers, ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
    throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  const known = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some((c) => c.name === requested);
  if (!known) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** The kubelet of the pod's node; a pod not yet scheduled has none. */
export async function locatePodKubelet(handlers: ApiHandlers, pod: Pod): Promise<KubeletLocation> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${pod.metadata?.name ?? ''} does not have a host assigned`);
  return locateNode(handlers, nodeName);
}

/** A kubelet's non-2xx answer as an API error carrying the kubelet's own words. */
export function kubeletError(code: number, body: string): ApiError {
  const message = body.trim() || `the kubelet answered ${code}`;
  const reason = code === 404 ? 'NotFound' : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code >= 500 ? 'InternalError' : 'BadRequest';
  return new ApiError(code, reason, message);
}

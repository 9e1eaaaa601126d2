/**
 * The `kubernetes` Service has no selector: its endpoints are the apiservers themselves.
 * Each apiserver adds its advertise address to the Endpoints and EndpointSlice named
 * `kubernetes` in `default` (kube-proxy then routes 10.96.0.1:443 to them). Addresses are
 * only added: removing a dead apiserver's address needs the lease-based reconciler of a
 * later issue.
 */
import type { ResourceInfo } from '@skiff/api';
import { ApiError } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { RegistryContext } from './context.ts';
import { createObject } from './create.ts';
import { updateObject } from './update.ts';
import { APISERVER_USER } from './handlers.ts';

function info(group: string, kind: string, resource: string): ResourceInfo {
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    resource,
    singular: resource === 'endpoints' ? 'endpoints' : kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: [],
  };
}
export const endpointsResource = info('', 'Endpoints', 'endpoints');
export const endpointSlicesResource = info('discovery.k8s.io', 'EndpointSlice', 'endpointslices');

const SERVICE_LABEL = 'kubernetes.io/service-name';

interface Subset {
  addresses?: { ip: string }[];
  ports?: { name?: string; port: number; protocol?: string }[];
}
interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean };
}

function withEndpointsAddress(ep: KubeObject, ip: string, port: number): KubeObject {
  const subsets = (ep.subsets ?? []) as Subset[];
  const subset = subsets.find((s) => s.ports?.some((p) => p.name === 'https' && p.port === port));
  if (subset) {
    if (!subset.addresses?.some((a) => a.ip === ip)) subset.addresses = [...(subset.addresses ?? []), { ip }].sort((a, b) => a.ip.localeCompare(b.ip));
  } else {
    subsets.push({ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] });
  }
  ep.subsets = subsets;
  return ep;
}

function withSliceAddress(slice: KubeObject, ip: string, port: number): KubeObject {
  const endpoints = (slice.endpoints ?? []) as SliceEndpoint[];
  if (!endpoints.some((e) => e.addresses.includes(ip))) endpoints.push({ addresses: [ip], conditions: { ready: true } });
  slice.endpoints = endpoints.sort((a, b) => a.addresses[0].localeCompare(b.addresses[0]));
  slice.ports = [{ name: 'https', port, protocol: 'TCP' }];
  return slice;
}

async function upsert(ctx: RegistryContext, res: ResourceInfo, fresh: KubeObject, add: (obj: KubeObject) => KubeObject): Promise<void> {
  const name = fresh.metadata.name!;
  for (let attempt = 1; ; attempt++) {
    try {
      await updateObject(ctx, res, 'default', name, { mode: 'main', transform: add, opts: { user: APISERVER_USER } });
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err;
    }
    try {
      await createObject(ctx, res, 'default', add(structuredClone(fresh)), { user: APISERVER_USER });
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.reason !== 'AlreadyExists' || attempt >= 5) throw err;
    }
  }
}

export async function reconcileKubernetesEndpoints(ctx: RegistryContext, ip: string, port: number): Promise<void> {
  await upsert(
    ctx,
    endpointsResource,
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } },
    (ep) => withEndpointsAddress(ep, ip, port),
  );
  await upsert(
    ctx,
    endpointSlicesResource,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', labels: { [SERVICE_LABEL]: 'kubernetes' } },
      addressType: 'IPv4',
    },
    (slice) => withSliceAddress(slice, ip, port),
  );
}

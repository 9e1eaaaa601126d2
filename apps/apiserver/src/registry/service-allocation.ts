/**
 * ClusterIP and NodePort bookkeeping for Service writes. Allocation happens after
 * validation and before the object is written; whoever calls these must release
 * `reserved` when the write does not happen and `released` once it has.
 */
import { type ApiError, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { RegistryContext } from './context.ts';

export interface Allocations {
  ips: string[];
  ports: number[];
}

export interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
}
export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
}

export function emptyAllocations(): Allocations {
  return { ips: [], ports: [] };
}

export async function releaseAllocations(ctx: RegistryContext, a: Allocations): Promise<void> {
  for (const ip of a.ips) await ctx.clusterIps.release(ip);
  for (const port of a.ports) await ctx.nodePorts.release(port);
}

/** Everything a stored service holds, for release on delete. */
export function allocationsOf(svc: KubeObject): Allocations {
  const spec = (svc.spec ?? {}) as ServiceSpec;
  const ips = spec.clusterIP && spec.clusterIP !== 'None' ? [spec.clusterIP] : [];
  const held = [...(spec.ports ?? []).map((p) => p.nodePort), spec.healthCheckNodePort];
  const ports = [...new Set(held.filter((p): p is number => typeof p === 'number' && p > 0))];
  return { ips, ports };
}

/** Types whose ports may carry node ports. */
export function takesNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

/** `allocateLoadBalancerNodePorts: false` (for in-cluster load balancers that route to pods directly): only ports the user set. */
function allocatesNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** Upstream's NeedsHealthCheck: load balancers send traffic only to nodes whose health check says they hold an endpoint. */
export function needsHealthCheck(spec: ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function invalid(svc: KubeObject, field: string, message: string): ApiError {
  return errors.invalid('Service', '', svc.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field, message }]);
}

/** Reserves the ClusterIP and NodePorts of a new service (unless dryRun), writing them into its spec. */
export async function allocateForCreate(ctx: RegistryContext, svc: KubeObject, dryRun: boolean): Promise<Allocations> {
  return allocate(ctx, svc, undefined, dryRun);
}

/**
 * For an update: refuses a changed ClusterIP, reserves what is new, and reports what the
 * old object held that the new one no longer does.
 */
export async function allocateForUpdate(
  ctx: RegistryContext,
  svc: KubeObject,
  old: KubeObject,
  dryRun: boolean,
): Promise<{ reserved: Allocations; released: Allocations }> {
  // Omitted IPs and node ports were carried over by the strategy's prepareForUpdate.
  const spec = (svc.spec ??= {}) as ServiceSpec;
  const oldSpec = (old.spec ?? {}) as ServiceSpec;
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
    throw invalid(svc, 'spec.clusterIP', `Invalid value: "${spec.clusterIP ?? ''}": field is immutable`);
  }
  const reserved = await allocate(ctx, svc, old, dryRun);
  const now = allocationsOf(svc);
  const was = allocationsOf(old);
  return {
    reserved,
    released: { ips: was.ips.filter((ip) => !now.ips.includes(ip)), ports: was.ports.filter((p) => !now.ports.includes(p)) },
  };
}

async function allocate(ctx: RegistryContext, svc: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<Allocations> {
  const spec = (svc.spec ??= {}) as ServiceSpec;
  const held = old ? allocationsOf(old) : emptyAllocations();
  const owner = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const reserved = emptyAllocations();
  try {
    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else {
      await allocateClusterIp(ctx, svc, spec, held, owner, dryRun, reserved);
    }
    if (takesNodePorts(spec)) await allocateNodePorts(ctx, svc, spec, held, owner, dryRun, reserved);
    else for (const port of spec.ports ?? []) delete port.nodePort;
    if (needsHealthCheck(spec)) await allocateHealthCheckNodePort(ctx, svc, spec, old, owner, dryRun, reserved);
    else delete spec.healthCheckNodePort;
    return reserved;
  } catch (err) {
    await releaseAllocations(ctx, reserved);
    throw err;
  }
}

async function allocateClusterIp(
  ctx: RegistryContext,
  svc: KubeObject,
  spec: ServiceSpec,
  held: Allocations,
  owner: string,
  dryRun: boolean,
  reserved: Allocations,
): Promise<void> {
  const requested = spec.clusterIP || spec.clusterIPs?.[0] || '';
  if (requested === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
  } else if (requested === '') {
    if (dryRun) return;
    const ip = await ctx.clusterIps.allocateNext(owner);
    reserved.ips.push(ip);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  } else if (!held.ips.includes(requested)) {
    const prefix = `Invalid value: ["${requested}"]: failed to allocate IP ${requested}`;
    if (ctx.clusterIps.offsetOf(requested) === undefined) {
      throw invalid(svc, 'spec.clusterIPs', `${prefix}: provided IP is not in the valid range. The range of valid IPs is ${ctx.clusterIps.range}`);
    }
    if (!dryRun) {
      if (!(await ctx.clusterIps.allocate(requested, owner))) throw invalid(svc, 'spec.clusterIPs', `${prefix}: provided IP is already allocated`);
      reserved.ips.push(requested);
    }
    spec.clusterIP = requested;
    spec.clusterIPs = [requested];
  } else {
    spec.clusterIP = requested;
    spec.clusterIPs = [requested];
  }
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
}

async function allocateNodePorts(
  ctx: RegistryContext,
  svc: KubeObject,
  spec: ServiceSpec,
  held: Allocations,
  owner: string,
  dryRun: boolean,
  reserved: Allocations,
): Promise<void> {
  const ports = spec.ports ?? [];
  // The same nodePort may serve one port number over TCP and UDP within a service: reserve it once.
  const mine = new Set<number>(held.ports);
  for (const [i, port] of ports.entries()) {
    if (port.nodePort) {
      if (mine.has(port.nodePort)) continue;
      if (!ctx.nodePorts.contains(port.nodePort)) {
        throw invalid(
          svc,
          `spec.ports[${i}].nodePort`,
          `Invalid value: ${port.nodePort}: provided port is not in the valid range. The range of valid ports is ${ctx.nodePorts.range}`,
        );
      }
      if (!dryRun) {
        if (!(await ctx.nodePorts.allocate(port.nodePort, owner))) {
          throw invalid(svc, `spec.ports[${i}].nodePort`, `Invalid value: ${port.nodePort}: provided port is already allocated`);
        }
        reserved.ports.push(port.nodePort);
      }
      mine.add(port.nodePort);
    } else if (!dryRun && allocatesNodePorts(spec)) {
      const sibling = ports.find((p) => p !== port && p.nodePort && p.port === port.port && p.protocol !== port.protocol);
      if (sibling?.nodePort) {
        port.nodePort = sibling.nodePort;
        continue;
      }
      port.nodePort = await ctx.nodePorts.allocateNext(owner);
      reserved.ports.push(port.nodePort);
      mine.add(port.nodePort);
    }
  }
}

/**
 * The health check node port of a LoadBalancer with externalTrafficPolicy Local: a port
 * the user asked for, else the next free one; once allocated it stays for the service's
 * life (as the service REST does, changing it is refused).
 */
async function allocateHealthCheckNodePort(
  ctx: RegistryContext,
  svc: KubeObject,
  spec: ServiceSpec,
  old: KubeObject | undefined,
  owner: string,
  dryRun: boolean,
  reserved: Allocations,
): Promise<void> {
  const field = 'spec.healthCheckNodePort';
  const before = old && needsHealthCheck((old.spec ?? {}) as ServiceSpec) ? (old.spec as ServiceSpec).healthCheckNodePort : undefined;
  const requested = spec.healthCheckNodePort ?? 0;
  if (before) {
    if (requested !== 0 && requested !== before) {
      throw invalid(
        svc,
        field,
        `Invalid value: ${requested}: cannot change healthCheckNodePort on loadBalancer service with externalTraffic=Local during update`,
      );
    }
    spec.healthCheckNodePort = before;
    return;
  }
  if (requested === 0) {
    if (dryRun) return;
    spec.healthCheckNodePort = await ctx.nodePorts.allocateNext(owner);
    reserved.ports.push(spec.healthCheckNodePort);
    return;
  }
  if (!ctx.nodePorts.contains(requested)) {
    throw invalid(
      svc,
      field,
      `Invalid value: ${requested}: failed to allocate requested HealthCheck NodePort ${requested}: provided port is not in the valid range. The range of valid ports is ${ctx.nodePorts.range}`,
    );
  }
  if (dryRun) return;
  if (!(await ctx.nodePorts.allocate(requested, owner))) {
    throw invalid(
      svc,
      field,
      `Invalid value: ${requested}: failed to allocate requested HealthCheck NodePort ${requested}: provided port is already allocated`,
    );
  }
  reserved.ports.push(requested);
}

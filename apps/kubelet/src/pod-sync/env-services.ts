/**
 * The Service environment variables every container starts with (upstream kubelet's
 * getServiceEnvVarMap and envvars.FromServices): the `kubernetes` Service of the `default`
 * namespace for every pod, so in-cluster clients find the apiserver
 * (KUBERNETES_SERVICE_HOST/PORT), and, unless spec.enableServiceLinks is false, the docker-links
 * style variables of every Service with a ClusterIP in the pod's own namespace:
 *
 *   Service foo-bar, ClusterIP 1.2.3.4, port 8080/TCP →
 *     FOO_BAR_SERVICE_HOST=1.2.3.4  FOO_BAR_SERVICE_PORT=8080  FOO_BAR_PORT=tcp://1.2.3.4:8080
 *     FOO_BAR_PORT_8080_TCP=tcp://1.2.3.4:8080  FOO_BAR_PORT_8080_TCP_PROTO=tcp
 *     FOO_BAR_PORT_8080_TCP_PORT=8080  FOO_BAR_PORT_8080_TCP_ADDR=1.2.3.4
 *
 * They are computed when a container is created: Services that appear later do not change it.
 */
import type { Service } from '@skiff/api';
import type { EnvVarValue } from './env.ts';

/** The kubelet's view of Services: an informer over all namespaces. */
export interface ServiceLister {
  hasSynced(): boolean;
  /** Every cached Service of the namespace (all namespaces when absent). */
  list(namespace?: string): readonly Service[];
}

/** Services whose variables every pod gets, from the default namespace (upstream masterServices). */
const MASTER_SERVICES = new Set(['kubernetes']);
const DEFAULT_NAMESPACE = 'default';

/**
 * The variables for a pod in `namespace`. Throws while the Services were never listed: a
 * container started then would miss KUBERNETES_SERVICE_HOST for good, so it waits (as
 * CreateContainerConfigError) for the next sync instead.
 */
export function getServiceEnvVarMap(namespace: string, enableServiceLinks: boolean, services: ServiceLister): Map<string, string> {
  if (!services.hasSynced()) throw new Error('services have not yet been read at least once, cannot construct envvars');
  const byName = new Map<string, Service>();
  for (const svc of services.list(DEFAULT_NAMESPACE)) {
    const name = svc.metadata?.name ?? '';
    if (MASTER_SERVICES.has(name) && isServiceIPSet(svc)) byName.set(name, svc);
  }
  // A same-named Service of the pod's own namespace wins over the default namespace's.
  if (enableServiceLinks) {
    for (const svc of services.list(namespace)) if (isServiceIPSet(svc)) byName.set(svc.metadata?.name ?? '', svc);
  }
  const sorted = [...byName.values()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return new Map(fromServices(sorted).map((e) => [e.name, e.value]));
}

/** envvars.FromServices: the variables of each Service with a ClusterIP, in order. */
export function fromServices(services: readonly Service[]): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  for (const svc of services) {
    const ports = svc.spec?.ports ?? [];
    // Headless and ExternalName Services have no address to offer; validation gives others a port.
    if (!isServiceIPSet(svc) || ports.length === 0) continue;
    const prefix = makeEnvVariableName(svc.metadata?.name ?? '');
    const clusterIP = svc.spec!.clusterIP!;
    out.push({ name: `${prefix}_SERVICE_HOST`, value: clusterIP });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
    // Every named port (only the first may be unnamed).
    for (const sp of ports) {
      if (sp.name) out.push({ name: `${prefix}_SERVICE_PORT_${makeEnvVariableName(sp.name)}`, value: String(sp.port) });
    }
    out.push(...makeLinkVariables(prefix, clusterIP, ports));
  }
  return out;
}

/** Docker links' variables: <PREFIX>_PORT for the first port, <PREFIX>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR] for each. */
function makeLinkVariables(prefix: string, clusterIP: string, ports: NonNullable<NonNullable<Service['spec']>['ports']>): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  // An IPv6 ClusterIP is bracketed in URLs, as Go's net.JoinHostPort does.
  const host = clusterIP.includes(':') ? `[${clusterIP}]` : clusterIP;
  ports.forEach((sp, i) => {
    const protocol = sp.protocol || 'TCP';
    const url = `${protocol.toLowerCase()}://${host}:${sp.port}`;
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const portPrefix = `${prefix}_PORT_${sp.port}_${protocol.toUpperCase()}`;
    out.push(
      { name: portPrefix, value: url },
      { name: `${portPrefix}_PROTO`, value: protocol.toLowerCase() },
      { name: `${portPrefix}_PORT`, value: String(sp.port) },
      { name: `${portPrefix}_ADDR`, value: clusterIP },
    );
  });
  return out;
}

function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** `foo-bar` → `FOO_BAR` (Service names are DNS labels and port names IANA service names: no dots to replace). */
function makeEnvVariableName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

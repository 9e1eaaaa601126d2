/**
 * A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom
 * first (ConfigMaps and Secrets, with prefix), then env entries in order, which override and
 * may refer to earlier variables as $(NAME). Values come from literals, ConfigMap and Secret
 * keys, the downward API (fieldRef) and the container's resources (resourceFieldRef).
 * The Service variables (env-services.ts) come last, unless the container defines the same name,
 * and $(VAR) may refer to them too.
 * A missing required source is an error the caller reports as CreateContainerConfigError.
 */
import { parseQuantity, type ConfigMap, type Container as KubeContainer, type Pod, type Secret } from '@skiff/api';
import { getServiceEnvVarMap, type ServiceLister } from './env-services.ts';

export interface EnvSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  podIP?: string;
  hostIP?: string;
  /** Node allocatable, used for resourceFieldRef limits the container does not set. */
  nodeAllocatable?: Record<string, string>;
  /** Services for KUBERNETES_SERVICE_HOST and service links; absent: no such variables (hollow nodes). */
  services?: ServiceLister;
}

export interface EnvVarValue {
  name: string;
  value: string;
}

/** Kubernetes' C_IDENTIFIER-ish check for envFrom keys: other keys are skipped. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export async function resolveEnv(pod: Pod, container: KubeContainer, sources: EnvSources): Promise<EnvVarValue[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  const serviceEnv = sources.services ? getServiceEnvVarMap(ns, pod.spec?.enableServiceLinks !== false, sources.services) : new Map<string, string>();
  // $(VAR) sees the container's own variables first, then the Services'.
  const visible = { has: (k: string) => vars.has(k) || serviceEnv.has(k), get: (k: string) => vars.get(k) ?? serviceEnv.get(k) };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      const cm = await sources.getConfigMap(ns, from.configMapRef.name ?? '');
      if (!cm && !from.configMapRef.optional) throw new Error(`configmap "${from.configMapRef.name}" not found`);
      data = cm?.data ?? {};
    } else if (from.secretRef) {
      const secret = await sources.getSecret(ns, from.secretRef.name ?? '');
      if (!secret && !from.secretRef.optional) throw new Error(`secret "${from.secretRef.name}" not found`);
      data = decodeSecretData(secret);
    }
    for (const [key, value] of Object.entries(data ?? {})) {
      if (ENV_NAME.test(prefix + key)) vars.set(prefix + key, value);
    }
  }

  for (const env of container.env ?? []) {
    const value = env.valueFrom ? await resolveValueFrom(pod, container, env.name, env.valueFrom, sources) : expandVars(env.value ?? '', visible);
    if (value !== undefined) vars.set(env.name, value);
  }
  for (const [name, value] of serviceEnv) if (!vars.has(name)) vars.set(name, value);
  return [...vars].map(([name, value]) => ({ name, value }));
}

type ValueFrom = NonNullable<NonNullable<KubeContainer['env']>[number]['valueFrom']>;

async function resolveValueFrom(pod: Pod, container: KubeContainer, name: string, from: ValueFrom, sources: EnvSources): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const cm = await sources.getConfigMap(ns, ref.name ?? '');
    const value = cm?.data?.[ref.key] ?? (cm?.binaryData?.[ref.key] !== undefined ? Buffer.from(cm.binaryData[ref.key]!, 'base64').toString() : undefined);
    if (value === undefined && !ref.optional) {
      throw new Error(cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`);
    }
    return value;
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const secret = await sources.getSecret(ns, ref.name ?? '');
    const value = decodeSecretData(secret)[ref.key];
    if (value === undefined && !ref.optional) {
      throw new Error(secret ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`);
    }
    return value;
  }
  if (from.fieldRef) return getDownwardField(pod, from.fieldRef.fieldPath, sources);
  if (from.resourceFieldRef) return getResourceField(container, from.resourceFieldRef, sources);
  throw new Error(`env ${name}: valueFrom names no source`);
}

/** The downward API fields an env var may read. */
export function getDownwardField(pod: Pod, fieldPath: string, sources: Pick<EnvSources, 'podIP' | 'hostIP'>): string {
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (subscript) {
    const map = subscript[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[subscript[2]!] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return sources.podIP ?? pod.status?.podIP ?? '';
    case 'status.podIPs':
      return sources.podIP ?? (pod.status?.podIPs ?? []).map((p) => p.ip).join(',');
    case 'status.hostIP':
      return sources.hostIP ?? pod.status?.hostIP ?? '';
    case 'status.hostIPs':
      return sources.hostIP ?? (pod.status?.hostIPs ?? []).map((p) => p.ip).join(',');
    default:
      throw new Error(`unsupported fieldRef ${fieldPath}`);
  }
}

/**
 * A resource of the container divided by the divisor, rounded up as the kubelet does
 * (limits.cpu 500m with divisor 1 → "1"; limits.memory 64Mi with divisor 1Mi → "64").
 * An unset limit falls back to the node's allocatable.
 */
export function getResourceField(
  container: KubeContainer,
  ref: { resource: string; divisor?: string | number; containerName?: string },
  sources: Pick<EnvSources, 'nodeAllocatable'>,
): string {
  const [kind, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !resource) throw new Error(`unsupported resourceFieldRef ${ref.resource}`);
  const own =
    kind === 'limits' ? container.resources?.limits?.[resource] : (container.resources?.requests?.[resource] ?? container.resources?.limits?.[resource]);
  const raw = own ?? (kind === 'limits' ? sources.nodeAllocatable?.[resource] : undefined) ?? '0';
  const divisor = parseQuantity(ref.divisor ?? '1');
  const value = parseQuantity(raw);
  if (divisor.isZero()) throw new Error(`resourceFieldRef ${ref.resource}: divisor is zero`);
  // Compare in milli-units so "500m" / "1" rounds up to 1 and "64Mi" / "1Mi" is exactly 64.
  const result = Math.ceil(value.toMilli() / divisor.toMilli());
  return String(result);
}

/** Expands $(VAR) from earlier variables; $$(VAR) escapes; unknown references stay as written. */
export function expandVars(input: string, vars: Pick<ReadonlyMap<string, string>, 'has' | 'get'>): string {
  return input.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : match;
  });
}

function decodeSecretData(secret: Secret | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) out[k] = Buffer.from(v, 'base64').toString();
  for (const [k, v] of Object.entries(secret?.stringData ?? {})) out[k] = v;
  return out;
}

/** The downward API's key="value" lines, sorted. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}="${map![k]}"`)
    .join('\n');
}

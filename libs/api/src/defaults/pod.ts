/**
 * Pod and pod-template defaults: Kubernetes' SetDefaults_Pod, SetDefaults_PodSpec,
 * SetDefaults_Container, SetDefaults_Probe, SetDefaults_Volume and friends (pkg/apis/core/v1).
 */
import { canonicalQuantity } from '../quantity.ts';

/** `nginx`, `nginx:latest` → Always; `nginx:1.25`, `nginx@sha256:…` → IfNotPresent. */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  const tag = imageTag(image ?? '');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The image's tag; 'latest' when it has neither tag nor digest, '' when it has only a digest. */
export function imageTag(image: string): string {
  let rest = image;
  const at = rest.indexOf('@');
  const hasDigest = at >= 0;
  if (hasDigest) rest = rest.slice(0, at);
  // A ':' after the last '/' is a tag; one before it is a registry port ('registry:5000/app').
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) return rest.slice(colon + 1);
  return hasDigest ? '' : 'latest';
}

function defaultProbe(probe: any): void {
  if (!probe || typeof probe !== 'object') return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (probe.httpGet) {
    probe.httpGet.path ??= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
  if (probe.grpc) probe.grpc.service ??= '';
}

function defaultLifecycleHandler(handler: any): void {
  if (handler?.httpGet) {
    handler.httpGet.path ??= '/';
    handler.httpGet.scheme ??= 'HTTP';
  }
}

/**
 * Kubernetes stores quantities in canonical form ('0.5' → '500m', 1 → '1', '1024Mi' → '1Gi'),
 * so clients read back what a real cluster would show. Malformed values are left for validation.
 */
export function canonicalizeResourceList(list: any): void {
  if (!list || typeof list !== 'object' || Array.isArray(list)) return;
  for (const [name, value] of Object.entries(list)) {
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const canonical = canonicalQuantity(value);
    if (canonical !== undefined) list[name] = canonical;
  }
}

function defaultContainer(c: any, hostNetwork: boolean): void {
  if (!c || typeof c !== 'object') return;
  canonicalizeResourceList(c.resources?.limits);
  canonicalizeResourceList(c.resources?.requests);
  c.imagePullPolicy ??= defaultImagePullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  for (const port of c.ports ?? []) {
    port.protocol ??= 'TCP';
    // With the host's network, the container port is the host port.
    if (hostNetwork && port.hostPort === undefined) port.hostPort = port.containerPort;
  }
  for (const env of c.env ?? []) {
    if (env?.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= 'v1';
    if (env?.valueFrom?.resourceFieldRef) env.valueFrom.resourceFieldRef.divisor ??= '0';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultLifecycleHandler(c.lifecycle?.postStart);
  defaultLifecycleHandler(c.lifecycle?.preStop);
}

const volumeSources = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
];

export function volumeSourceNames(): string[] {
  return volumeSources;
}

function defaultVolume(v: any): void {
  if (!v || typeof v !== 'object') return;
  // A volume with no source is an emptyDir, as in Kubernetes.
  if (!volumeSources.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  const mode = 0o644; // 420
  if (v.secret) v.secret.defaultMode ??= mode;
  if (v.configMap) v.configMap.defaultMode ??= mode;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= mode;
    for (const item of v.downwardAPI.items ?? []) if (item?.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  }
  if (v.projected) {
    v.projected.defaultMode ??= mode;
    for (const src of v.projected.sources ?? []) {
      if (src?.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.emptyDir?.sizeLimit !== undefined) v.emptyDir.sizeLimit = canonicalQuantity(v.emptyDir.sizeLimit) ?? v.emptyDir.sizeLimit;
  if (v.iscsi) v.iscsi.iscsiInterface ??= 'default';
}

/** SetDefaults_PodSpec + containers + volumes; used for Pods and every pod template. */
export function defaultPodSpec(spec: any): void {
  if (!spec || typeof spec !== 'object') return;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  // serviceAccount is the deprecated alias of serviceAccountName; Kubernetes keeps them in sync.
  if (spec.serviceAccountName === undefined && spec.serviceAccount !== undefined) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccount === undefined && spec.serviceAccountName !== undefined) spec.serviceAccount = spec.serviceAccountName;
}

/** Requests default to limits for each resource that only has a limit (SetDefaults_Pod). */
function defaultRequestsFromLimits(c: any): void {
  const limits = c?.resources?.limits;
  if (!limits || typeof limits !== 'object') return;
  c.resources.requests ??= {};
  for (const [name, value] of Object.entries(limits)) c.resources.requests[name] ??= value;
}

export function defaultPod(pod: any): void {
  pod.spec ??= {};
  defaultPodSpec(pod.spec);
  for (const c of pod.spec.initContainers ?? []) defaultRequestsFromLimits(c);
  for (const c of pod.spec.containers ?? []) defaultRequestsFromLimits(c);
}

/** Pod templates of controllers: spec defaults only (no limits → requests copy, as in Kubernetes). */
export function defaultPodTemplate(template: any): void {
  if (!template || typeof template !== 'object') return;
  template.spec ??= {};
  defaultPodSpec(template.spec);
}

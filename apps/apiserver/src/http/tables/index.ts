/**
 * Turns objects and lists into meta.k8s.io Tables when the client asks for them
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), as `kubectl get` does.
 */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { errors } from '../../errors.ts';
import { defaultPrinter, nameColumn, type TableColumnDefinition, type TablePrinter } from './table.ts';
import { podPrinter } from './pods.ts';
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.ts';
import { cronJobPrinter, jobPrinter } from './batch.ts';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './services.ts';
import { eventPrinter, leasePrinter, namespacePrinter, nodePrinter } from './cluster.ts';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config-objects.ts';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.ts';
import { certificateSigningRequestPrinter } from './certificates.ts';
import { roleBindingPrinter, rolePrinter } from './rbac.ts';
import { ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from './networking.ts';
import { validatingAdmissionPolicyBindingPrinter, validatingAdmissionPolicyPrinter, webhookConfigurationPrinter } from './admissionregistration.ts';
import { customResourceDefinitionPrinter } from './apiextensions.ts';
import { apiServicePrinter } from './apiregistration.ts';
import { horizontalPodAutoscalerPrinter } from './autoscaling.ts';
import { podDisruptionBudgetPrinter } from './policy.ts';
import { limitRangePrinter, resourceQuotaPrinter } from './quota.ts';
import { priorityClassPrinter } from './scheduling.ts';
import { toStorageVersion } from '../../registry/conversion/version-converter.ts';
import { isCustomResource } from '../../registry/custom-resources/served-resources.ts';
import { customResourcePrinter } from './custom-resources.ts';

/** Printers by `<group>/<resource>` ('' group for core). */
const printers: Record<string, TablePrinter> = {
  '/pods': podPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  '/replicationcontrollers': replicationControllerPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/controllerrevisions': controllerRevisionPrinter,
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  'discovery.k8s.io/endpointslices': endpointSlicePrinter,
  '/nodes': nodePrinter,
  '/namespaces': namespacePrinter,
  '/events': eventPrinter,
  'events.k8s.io/events': eventPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  '/configmaps': configMapPrinter,
  '/secrets': secretPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/resourcequotas': resourceQuotaPrinter,
  '/limitranges': limitRangePrinter,
  '/persistentvolumes': persistentVolumePrinter,
  '/persistentvolumeclaims': persistentVolumeClaimPrinter,
  'storage.k8s.io/storageclasses': storageClassPrinter,
  'certificates.k8s.io/certificatesigningrequests': certificateSigningRequestPrinter,
  'rbac.authorization.k8s.io/roles': rolePrinter,
  'rbac.authorization.k8s.io/clusterroles': rolePrinter,
  'rbac.authorization.k8s.io/rolebindings': roleBindingPrinter,
  'rbac.authorization.k8s.io/clusterrolebindings': roleBindingPrinter,
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/ingressclasses': ingressClassPrinter,
  'networking.k8s.io/networkpolicies': networkPolicyPrinter,
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': webhookConfigurationPrinter,
  'admissionregistration.k8s.io/validatingwebhookconfigurations': webhookConfigurationPrinter,
  'admissionregistration.k8s.io/validatingadmissionpolicies': validatingAdmissionPolicyPrinter,
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': validatingAdmissionPolicyBindingPrinter,
  'apiextensions.k8s.io/customresourcedefinitions': customResourceDefinitionPrinter,
  'apiregistration.k8s.io/apiservices': apiServicePrinter,
  'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalerPrinter,
  'policy/poddisruptionbudgets': podDisruptionBudgetPrinter,
  'scheduling.k8s.io/priorityclasses': priorityClassPrinter,
};

export function printerFor(res: Pick<ResourceInfo, 'group' | 'resource'>): TablePrinter {
  if (isCustomResource(res as ResourceInfo)) return customResourcePrinter(res as never);
  return printers[`${res.group}/${res.resource}`] ?? defaultPrinter;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRequest {
  /** meta.k8s.io version the client asked for. */
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
}

/**
 * The Table version of the first acceptable `as=Table` entry of an Accept header, or
 * undefined when the client wants plain JSON. Clients always list plain JSON as a
 * fall-back, so a Table in a version we do not serve is simply skipped.
 */
export function parseTableAccept(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  if (!accept) return undefined;
  for (const entry of accept.split(',')) {
    const [media, ...params] = entry.split(';').map((s) => s.trim());
    if (media !== 'application/json' && media !== '*/*') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (p.as !== 'Table') {
      // A plain application/json earlier in the list wins over a later Table.
      if (p.as === undefined) return undefined;
      continue;
    }
    if (p.g !== 'meta.k8s.io') continue;
    if (p.v === 'v1' || p.v === 'v1beta1') return p.v;
  }
  return undefined;
}

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  throw errors.badRequest(`invalid value for includeObject: "${value}": supported values: "None", "Metadata", "Object"`);
}

function rowObject(obj: KubeObject, req: TableRequest): Record<string, unknown> | undefined {
  if (req.includeObject === 'None') return undefined;
  if (req.includeObject === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${req.version}`, metadata: obj.metadata };
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: Record<string, unknown>;
  columnDefinitions: TableColumnDefinition[];
  rows: { cells: unknown[]; object?: Record<string, unknown> }[];
}

/** A Table of the given objects; `listMeta` is the list's metadata (resourceVersion, continue, ...). */
export function buildTable(
  res: Pick<ResourceInfo, 'group' | 'resource'>,
  items: KubeObject[],
  listMeta: Record<string, unknown>,
  req: TableRequest,
  now = Date.now(),
): Table {
  const printer = printerFor(res);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${req.version}`,
    metadata: listMeta,
    columnDefinitions: printer.placesName ? printer.columns : [nameColumn, ...printer.columns],
    rows: items.map((obj) => {
      const cells = printer.cells(toStorageVersion(res, obj), now);
      const row: Table['rows'][number] = { cells: printer.placesName ? cells : [obj.metadata?.name ?? '', ...cells] };
      const object = rowObject(obj, req);
      if (object) row.object = object;
      return row;
    }),
  };
}

/** A List object (from ApiHandlers.list) or a single object, as a Table. */
export function toTable(res: Pick<ResourceInfo, 'group' | 'resource'>, result: KubeObject, req: TableRequest, now = Date.now()): Table {
  if (Array.isArray(result.items)) {
    const meta = { ...(result.metadata as Record<string, unknown>) };
    return buildTable(res, result.items as KubeObject[], meta, req, now);
  }
  const rv = result.metadata?.resourceVersion;
  return buildTable(res, [result], rv ? { resourceVersion: rv } : {}, req, now);
}

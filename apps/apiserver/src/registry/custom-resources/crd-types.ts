/** The parts of an apiextensions.k8s.io/v1 CustomResourceDefinition the apiserver reads. */
import type { KubeObject } from '../../storage/store.ts';
import type { JsonSchemaProps, PrinterColumn, ScaleSubresource } from './served-resources.ts';

export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JsonSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: ScaleSubresource };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

export interface CrdCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
  conversion?: { strategy: 'None' | 'Webhook'; webhook?: Record<string, unknown> };
  preserveUnknownFields?: boolean;
}

export interface CrdStatus {
  conditions?: CrdCondition[];
  acceptedNames?: CrdNames;
  storedVersions?: string[];
}

export type CustomResourceDefinition = KubeObject & { spec: CrdSpec; status?: CrdStatus };

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export function conditionOf(crd: { status?: CrdStatus }, type: string): CrdCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

export function isConditionTrue(crd: { status?: CrdStatus }, type: string): boolean {
  return conditionOf(crd, type)?.status === 'True';
}

export function storageVersionOf(spec: CrdSpec): string | undefined {
  return spec.versions?.find((v) => v.storage)?.name;
}

/**
 * What an established CRD serves: one CustomResourceInfo per served version, named by the
 * CRD's accepted names (not the requested ones: a rename that conflicts keeps the old names).
 */
import { resources as builtinResources } from '@skiff/api';
import type { CustomResourceDefinition, CrdVersion } from './crd-types.ts';
import { storageVersionOf } from './crd-types.ts';
import type { CustomResourceInfo, CustomResourceVersion } from './served-resources.ts';

/** Every verb of a built-in kind (the resource table's list). */
const ALL_VERBS = builtinResources.find((r) => r.group === '' && r.resource === 'configmaps')!.verbs;

export function servedResourcesOf(crd: CustomResourceDefinition): CustomResourceInfo[] {
  const names = crd.status?.acceptedNames;
  const spec = crd.spec;
  const storageVersion = storageVersionOf(spec);
  if (!names?.plural || !names.kind || !storageVersion) return [];
  const served = spec.versions.filter((v) => v.served);
  const servedVersions = served.map((v) => v.name);
  return served.map((v) => ({
    group: spec.group,
    version: v.name,
    kind: names.kind,
    listKind: names.listKind || `${names.kind}List`,
    resource: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: [...ALL_VERBS],
    subresources: subresourcesOf(v),
    custom: customVersionOf(crd, v, storageVersion, servedVersions),
  }));
}

function subresourcesOf(v: CrdVersion): string[] {
  const out: string[] = [];
  if (v.subresources?.status) out.push('status');
  if (v.subresources?.scale) out.push('scale');
  return out;
}

function customVersionOf(crd: CustomResourceDefinition, v: CrdVersion, storageVersion: string, servedVersions: string[]): CustomResourceVersion {
  const spec = crd.spec;
  return {
    crdName: crd.metadata.name!,
    crd,
    storageVersion,
    servedVersions,
    schema: v.schema?.openAPIV3Schema,
    preserveUnknownFields: spec.preserveUnknownFields === true,
    status: Boolean(v.subresources?.status),
    scale: v.subresources?.scale,
    printerColumns: v.additionalPrinterColumns ?? [],
    selectableFields: (v.selectableFields ?? []).map((f) => f.jsonPath),
    conversion: { strategy: spec.conversion?.strategy ?? 'None', webhook: spec.conversion?.webhook },
    ...(v.deprecated ? { deprecated: true } : {}),
    ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}),
    ...(crd.metadata.deletionTimestamp ? { terminating: true } : {}),
  };
}

/** What changes when served resources change: the CRD's spec, its accepted names, its terminating state. */
export function servedFingerprint(infos: CustomResourceInfo[]): string {
  return JSON.stringify(
    infos.map(({ custom: { crd, ...rest }, ...info }) => ({ ...info, ...rest, uid: crd.metadata.uid, generation: crd.metadata.generation })),
  );
}

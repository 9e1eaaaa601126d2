/**
 * Status writes of the in-apiserver CRD controllers. Every apiserver of a control plane runs
 * them, so each is a compare-and-swap computed from the freshly read CRD (the store retries
 * on a conflict) and a write that would change nothing is skipped.
 */
import { resources as builtinResources, type ResourceInfo } from '@skiff/api';
import type { RegistryContext } from '../context.ts';
import { deepEqual, formatTimestamp } from '../object-helpers.ts';
import type { CrdCondition, CrdStatus, CustomResourceDefinition } from './crd-types.ts';
import { storageVersionOf } from './crd-types.ts';
import { withCondition } from './crd-names.ts';

export const crdResource: ResourceInfo = builtinResources.find((r) => r.group === 'apiextensions.k8s.io' && r.resource === 'customresourcedefinitions')!;

/** Applies `change` to a copy of the stored status and writes it when it differs; answers the CRD as stored after. */
export async function updateCrdStatus(
  ctx: RegistryContext,
  name: string,
  change: (crd: CustomResourceDefinition, status: CrdStatus) => void,
): Promise<CustomResourceDefinition> {
  return (await ctx.store.guaranteedUpdate(crdResource, undefined, name, (current) => {
    const crd = current as CustomResourceDefinition;
    const status: CrdStatus = structuredClone(crd.status ?? {});
    change(crd, status);
    ensureStoredVersion(crd, status);
    if (deepEqual(status, crd.status ?? {})) return undefined;
    return { ...crd, status } as CustomResourceDefinition;
  })) as CustomResourceDefinition;
}

/** Sets conditions (transition times kept when the status does not move). */
export function setConditions(ctx: RegistryContext, status: CrdStatus, ...conditions: CrdCondition[]): void {
  const now = formatTimestamp(ctx.now());
  for (const condition of conditions) status.conditions = withCondition(status.conditions, condition, now);
}

/** The storage version is recorded as stored from the first write on (the strategy does it too; older CRDs lack it). */
function ensureStoredVersion(crd: CustomResourceDefinition, status: CrdStatus): void {
  const storage = crd.spec ? storageVersionOf(crd.spec) : undefined;
  if (!storage) return;
  const stored = status.storedVersions ?? [];
  if (!stored.includes(storage)) status.storedVersions = [...stored, storage];
}

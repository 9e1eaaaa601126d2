/**
 * apiextensions-apiserver's naming and establishing controllers as one pure step: which of a
 * CRD's requested names it may have, given the names other CRDs of its group already hold
 * (and, here, the built-in resources of that group), and the NamesAccepted / Established
 * conditions that follow. A name already accepted stays accepted; a requested change to a
 * name in use keeps the old one and says why, as upstream does.
 */
import type { ResourceInfo } from '@skiff/api';
import type { CrdCondition, CrdNames, CustomResourceDefinition } from './crd-types.ts';
import { conditionOf } from './crd-types.ts';

export interface NamingOutcome {
  acceptedNames: CrdNames;
  namesAccepted: CrdCondition;
  established: CrdCondition;
}

interface NamesInUse {
  resources: Set<string>;
  kinds: Set<string>;
}

function namesInUse(crd: CustomResourceDefinition, others: Iterable<CustomResourceDefinition>, builtin: readonly ResourceInfo[]): NamesInUse {
  const used: NamesInUse = { resources: new Set(), kinds: new Set() };
  const group = crd.spec.group;
  for (const other of others) {
    if (other.metadata.name === crd.metadata.name || other.spec?.group !== group) continue;
    const names = other.status?.acceptedNames;
    if (!names) continue;
    for (const n of [names.plural, names.singular, ...(names.shortNames ?? [])]) if (n) used.resources.add(n);
    for (const n of [names.kind, names.listKind]) if (n) used.kinds.add(n);
  }
  for (const res of builtin) {
    if (res.group !== group) continue;
    for (const n of [res.resource, res.singular, ...res.shortNames]) used.resources.add(n);
    for (const n of [res.kind, res.listKind]) used.kinds.add(n);
  }
  return used;
}

/** Upstream's rule: a name equal to the one already accepted is fine, else it must be free. */
function freshOrAccepted(requested: string | undefined, accepted: string | undefined, used: Set<string>): boolean {
  return requested === accepted || requested === undefined || requested === '' || !used.has(requested);
}

export function acceptNames(crd: CustomResourceDefinition, others: Iterable<CustomResourceDefinition>, builtin: readonly ResourceInfo[]): NamingOutcome {
  const used = namesInUse(crd, others, builtin);
  const requested = crd.spec.names;
  const accepted: Partial<CrdNames> = crd.status?.acceptedNames ?? {};
  const next: CrdNames = { plural: accepted.plural ?? '', kind: accepted.kind ?? '' };
  const problems: { reason: string; message: string }[] = [];
  const take = (field: 'plural' | 'singular' | 'kind' | 'listKind', reason: string, set: Set<string>): void => {
    const wanted = requested[field];
    if (freshOrAccepted(wanted, accepted[field], set)) {
      if (wanted) next[field] = wanted;
    } else {
      problems.push({ reason, message: `${JSON.stringify(wanted)} is already in use` });
      if (accepted[field]) next[field] = accepted[field];
    }
  };
  take('plural', 'PluralConflict', used.resources);
  take('singular', 'SingularConflict', used.resources);
  const shortNames = requested.shortNames ?? [];
  const shortConflicts = shortNames.filter((s) => !(accepted.shortNames ?? []).includes(s) && used.resources.has(s));
  if (shortConflicts.length > 0) {
    for (const s of shortConflicts) problems.push({ reason: 'ShortNamesConflict', message: `${JSON.stringify(s)} is already in use` });
    if (accepted.shortNames?.length) next.shortNames = accepted.shortNames;
  } else if (shortNames.length > 0) next.shortNames = shortNames;
  take('kind', 'KindConflict', used.kinds);
  take('listKind', 'ListKindConflict', used.kinds);
  if (requested.categories?.length) next.categories = requested.categories;

  const namesAccepted: CrdCondition =
    problems.length === 0
      ? { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }
      : { type: 'NamesAccepted', status: 'False', reason: problems[0]!.reason, message: problems.map((p) => p.message).join(', ') };
  return { acceptedNames: next, namesAccepted, established: establishedAfter(crd, namesAccepted) };
}

/**
 * Once established a CRD stays so (its served names do not go away when a rename conflicts).
 * Upstream sets Installing first and lets a second controller flip it once the handler serves
 * the names; here the one status write carries both, and serving follows the write.
 */
function establishedAfter(crd: CustomResourceDefinition, namesAccepted: CrdCondition): CrdCondition {
  const previous = conditionOf(crd, 'Established');
  if (previous?.status === 'True') return previous;
  if (namesAccepted.status === 'True') {
    return { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  }
  return previous ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
}

/**
 * `conditions` with `next` set: the transition time moves only when the status does, as
 * apiextensions' SetCRDCondition keeps it.
 */
export function withCondition(conditions: readonly CrdCondition[] | undefined, next: CrdCondition, now: string): CrdCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const previous = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = previous && previous.status === next.status && previous.lastTransitionTime ? previous.lastTransitionTime : now;
  const merged = { ...next, lastTransitionTime };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

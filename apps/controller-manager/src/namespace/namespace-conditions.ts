import type { ContentRemaining } from './namespace-content-deleter.ts';

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * The deletion conditions Kubernetes' namespace controller reports on a Terminating
 * namespace (what `kubectl describe ns` shows while it waits), from one pass's outcome.
 * Example: 3 pods left with no finalizers →
 *   NamespaceContentRemaining=True SomeResourcesRemain "Some resources are remaining: pods. has 3 resource instances".
 */
export function computeDeletionConditions(
  content: ContentRemaining | undefined,
  failure: unknown,
  discoveryFailure?: Error,
): Omit<NamespaceCondition, 'lastTransitionTime'>[] {
  const conditions: Omit<NamespaceCondition, 'lastTransitionTime'>[] = [];
  conditions.push(
    discoveryFailure
      ? { type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed', message: discoveryFailure.message }
      : { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  );
  conditions.push(
    failure
      ? {
          type: 'NamespaceDeletionContentFailure',
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, 1 remaining: ${messageOf(failure)}`,
        }
      : {
          type: 'NamespaceDeletionContentFailure',
          status: 'False',
          reason: 'ContentDeleted',
          message: 'All content successfully deleted, may be waiting on finalization',
        },
  );
  if (content && content.total > 0) {
    const parts = Object.entries(content.remaining)
      .sort()
      .map(([res, n]) => `${res} has ${n} resource instances`);
    conditions.push({
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${parts.join(', ')}`,
    });
  } else {
    conditions.push({ type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' });
  }
  conditions.push(
    content && content.finalizersPending.length > 0
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${content.finalizersPending.join(', ')}`,
        }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
  );
  return conditions;
}

/** Merges `wanted` into `current`, keeping lastTransitionTime unless the status flips; undefined when nothing changed. */
export function mergeConditions(
  current: readonly NamespaceCondition[],
  wanted: Omit<NamespaceCondition, 'lastTransitionTime'>[],
  now: Date,
): NamespaceCondition[] | undefined {
  let changed = false;
  const out = current.filter((c) => !wanted.some((w) => w.type === c.type));
  for (const w of wanted) {
    const old = current.find((c) => c.type === w.type);
    if (!old || old.status !== w.status || old.reason !== w.reason || old.message !== w.message) changed = true;
    const lastTransitionTime = old && old.status === w.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z');
    out.push({ ...w, lastTransitionTime });
  }
  return changed ? out : undefined;
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const text = (err as Error)?.message ?? String(err);
  return cause instanceof Error ? `${text}: ${cause.message}` : text;
}

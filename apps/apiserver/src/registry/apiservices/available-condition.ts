/**
 * The Available condition of an APIService, written only when it changes (type, status, reason
 * or message) so several apiservers that agree never rewrite it, and with a compare-and-swap
 * update so two that race do not lose each other's other fields.
 */
import { findResource } from '@skiff/api';
import { ApiError } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { formatTimestamp } from '../object-helpers.ts';

export const APISERVICES = findResource('apiregistration.k8s.io', 'v1', 'apiservices')!;

export interface AvailableCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export const LOCAL_AVAILABLE: AvailableCondition = { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };

interface Condition extends AvailableCondition {
  type: string;
  lastTransitionTime?: string;
}

export function availableConditionOf(obj: KubeObject | undefined): Condition | undefined {
  const conditions = (obj?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === 'Available');
}

function sameCondition(a: Condition | undefined, b: AvailableCondition): boolean {
  return a !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message;
}

/** The status to store: `want` replaces the Available condition; its transition time moves only when the status flips. */
export function withAvailableCondition(obj: KubeObject, want: AvailableCondition, now: Date): KubeObject {
  const status = { ...(obj.status as Record<string, unknown> | undefined) };
  const conditions = ((status.conditions as Condition[] | undefined) ?? []).filter((c) => c.type !== 'Available');
  const previous = availableConditionOf(obj);
  const lastTransitionTime = previous && previous.status === want.status && previous.lastTransitionTime ? previous.lastTransitionTime : formatTimestamp(now);
  conditions.push({ type: 'Available', ...want, lastTransitionTime });
  return { ...obj, status: { ...status, conditions } };
}

/** Writes `want` unless the stored condition already says it; a vanished APIService is left alone. */
export async function setAvailableCondition(ctx: RegistryContext, name: string, want: AvailableCondition): Promise<void> {
  try {
    await ctx.store.guaranteedUpdate(APISERVICES, undefined, name, (current) => {
      if (sameCondition(availableConditionOf(current), want)) return undefined;
      return withAvailableCondition(current, want, ctx.now());
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return;
    throw err;
  }
}

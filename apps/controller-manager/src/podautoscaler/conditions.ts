/**
 * HPA status conditions as upstream's setCondition: one entry per type, lastTransitionTime moves
 * only when the status flips, reason and message always follow the latest pass.
 */
import type { HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus } from '@skiff/api';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function setCondition(status: HorizontalPodAutoscalerStatus, update: ConditionUpdate, now: Date): void {
  const conditions: HorizontalPodAutoscalerCondition[] = status.conditions ?? [];
  let existing = conditions.find((c) => c.type === update.type);
  if (!existing) {
    existing = { type: update.type, status: update.status };
    conditions.push(existing);
    existing.lastTransitionTime = formatTime(now);
  } else if (existing.status !== update.status) {
    existing.lastTransitionTime = formatTime(now);
  }
  existing.status = update.status;
  existing.reason = update.reason;
  existing.message = update.message;
  status.conditions = conditions;
}

/** metav1.Time: RFC 3339 in whole seconds. */
export function formatTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

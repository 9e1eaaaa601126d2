/**
 * matchConditions of webhooks and ValidatingAdmissionPolicies, as upstream's
 * plugin/cel/matchconditions matcher: every condition is a CEL expression over the request;
 * one that is false means "not for me" (the webhook is not called, the policy not evaluated),
 * whatever the others say; when none is false but one failed to evaluate, failurePolicy
 * decides: Fail makes it an error, Ignore a non-match. All true: matched.
 */
import { evaluateCel } from '@skiff/api';

export interface MatchCondition {
  name: string;
  expression: string;
}

export type MatchResult = { matches: boolean; error?: undefined } | { matches: false; error: string };

export function evaluateMatchConditions(
  conditions: readonly MatchCondition[] | undefined,
  vars: Record<string, unknown>,
  variables: readonly string[],
  failurePolicy: string | undefined,
): MatchResult {
  const errors: string[] = [];
  for (const condition of conditions ?? []) {
    let result: unknown;
    try {
      result = evaluateCel(condition.expression, vars, { variables });
    } catch (err) {
      errors.push(`expression '${condition.expression}' resulted in error: ${(err as Error).message}`);
      continue;
    }
    if (result === false) return { matches: false };
    if (result !== true) errors.push(`expression '${condition.expression}' resulted in error: must evaluate to bool`);
  }
  if (errors.length === 0) return { matches: true };
  if (failurePolicy === 'Ignore') return { matches: false };
  // utilerrors.NewAggregate's words: one error alone, several in brackets.
  return { matches: false, error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` };
}

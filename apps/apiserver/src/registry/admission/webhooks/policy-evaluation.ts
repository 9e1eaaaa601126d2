/**
 * One ValidatingAdmissionPolicy's CEL validations against one request, as upstream's
 * validatingadmissionpolicy evaluator: `variables` first (each may use the earlier ones), then
 * every validation; a validation that is not true fails with its message, its
 * messageExpression's result, or `failed expression: <expression>`, and its reason (Invalid
 * when unset). An expression that errors is a failure under the policy's failurePolicy: Fail
 * counts it, Ignore skips it.
 */
import { evaluateCel } from '@skiff/api';
import type { MatchCondition } from './match-conditions.ts';

export interface PolicyValidation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

export interface PolicySpec {
  failurePolicy?: 'Fail' | 'Ignore';
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: Record<string, any>;
  validations?: PolicyValidation[];
  variables?: { name: string; expression: string }[];
  matchConditions?: MatchCondition[];
}

export interface PolicyFailure {
  message: string;
  reason: string;
}

/** The variables upstream declares for admission policies, but authorizer (refused when a policy is written). */
export const POLICY_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'];

function evaluate(expression: string, vars: Record<string, unknown>): unknown {
  return evaluateCel(expression, vars, { variables: POLICY_VARIABLES });
}

/** The validations that failed; `vars` holds object, oldObject, request, params and namespaceObject. */
export function evaluatePolicy(spec: PolicySpec, vars: Record<string, unknown>): PolicyFailure[] {
  const failures: PolicyFailure[] = [];
  const failOnError = spec.failurePolicy !== 'Ignore';
  const variables: Record<string, unknown> = {};
  const context = { ...vars, variables };
  for (const variable of spec.variables ?? []) {
    try {
      variables[variable.name] = evaluate(variable.expression, context);
    } catch {
      // Upstream evaluates variables lazily: one that fails only matters to the expressions naming it, which then fail.
      variables[variable.name] = undefined;
    }
  }
  for (const validation of spec.validations ?? []) {
    let result: unknown;
    try {
      result = evaluate(validation.expression, context);
    } catch (err) {
      if (failOnError) failures.push({ message: `expression '${validation.expression}' resulted in error: ${(err as Error).message}`, reason: 'Invalid' });
      continue;
    }
    if (result === true) continue;
    failures.push({ message: failureMessage(validation, context), reason: validation.reason ?? 'Invalid' });
  }
  return failures;
}

function failureMessage(validation: PolicyValidation, context: Record<string, unknown>): string {
  if (validation.messageExpression) {
    try {
      const message = evaluate(validation.messageExpression, context);
      if (typeof message === 'string' && message.trim() !== '' && !message.includes('\n')) return message;
    } catch {
      // Upstream falls back to the static message when messageExpression fails.
    }
  }
  return validation.message || `failed expression: ${validation.expression}`;
}

/**
 * Webhook configurations (NAME WEBHOOKS AGE), ValidatingAdmissionPolicies (NAME VALIDATIONS
 * PARAMKIND AGE) and their bindings (NAME POLICYNAME PARAMREF AGE), as upstream prints them.
 */
import { formatAge } from '@skiff/api';
import { ageColumn, column, formatLabelSelector, list, str, type TablePrinter } from './table.ts';

export const webhookConfigurationPrinter: TablePrinter = {
  columns: [column('Webhooks', 'Webhooks indicates the number of webhooks.', { type: 'integer' }), ageColumn],
  cells: (config, now) => [list(config, 'webhooks').length, formatAge(config.metadata.creationTimestamp, now)],
};

/** `apiVersion/kind` of the policy's parameters, `<unset>` without. */
function formatParamKind(policy: Record<string, any>): string {
  const kind = policy.spec?.paramKind;
  return kind ? `${str(kind, 'apiVersion')}/${str(kind, 'kind')}` : '<unset>';
}

export const validatingAdmissionPolicyPrinter: TablePrinter = {
  columns: [
    column('Validations', 'Validations indicates the number of validation expressions', { type: 'integer' }),
    column('ParamKind', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn,
  ],
  cells: (policy, now) => [list(policy, 'spec', 'validations').length, formatParamKind(policy), formatAge(policy.metadata.creationTimestamp, now)],
};

/** The binding's parameters: `namespace/name`, a selector, or `<unset>`. */
function formatParamRef(binding: Record<string, any>): string {
  const ref = binding.spec?.paramRef;
  if (!ref) return '<unset>';
  if (ref.name) return ref.namespace ? `${ref.namespace}/${ref.name}` : `*/${ref.name}`;
  if (ref.selector) return formatLabelSelector(ref.selector);
  return '<unset>';
}

export const validatingAdmissionPolicyBindingPrinter: TablePrinter = {
  columns: [
    column('PolicyName', 'PolicyName indicates the name of the policy this binding is bound to'),
    column('ParamRef', 'ParamRef indicates the param resource this binding is bound to'),
    ageColumn,
  ],
  cells: (binding, now) => [str(binding, 'spec', 'policyName'), formatParamRef(binding), formatAge(binding.metadata.creationTimestamp, now)],
};

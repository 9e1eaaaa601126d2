/** Webhook configurations (NAME WEBHOOKS AGE) and ValidatingAdmissionPolicies (NAME VALIDATIONS PARAMKIND AGE). */
import { defaultPrinter, type TablePrinter } from './table.ts';

export const webhookConfigurationPrinter: TablePrinter = defaultPrinter;
export const validatingAdmissionPolicyPrinter: TablePrinter = defaultPrinter;
export const validatingAdmissionPolicyBindingPrinter: TablePrinter = defaultPrinter;

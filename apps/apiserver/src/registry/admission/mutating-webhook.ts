/**
 * MutatingAdmissionWebhook: the MutatingWebhookConfigurations' webhooks, called in order
 * after the built-in mutating plugins; JSON patches applied, reinvocation as configured.
 */
import type { AdmissionPlugin } from './admission.ts';

export const mutatingWebhookAdmission: AdmissionPlugin = { name: 'MutatingAdmissionWebhook' };

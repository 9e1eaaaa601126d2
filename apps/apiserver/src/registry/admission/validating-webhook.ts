/**
 * ValidatingAdmissionWebhook: the ValidatingWebhookConfigurations' webhooks, called after
 * every built-in validating plugin.
 */
import type { AdmissionPlugin } from './admission.ts';

export const validatingWebhookAdmission: AdmissionPlugin = { name: 'ValidatingAdmissionWebhook' };

/**
 * ValidatingAdmissionWebhook: the ValidatingWebhookConfigurations' webhooks, called after
 * every built-in validating plugin, with the object as it will be stored. Upstream calls them
 * in parallel; Skiff calls them in order, which changes nothing but latency: the first denial
 * (in configuration order) is the one the client sees.
 */
import type { AdmissionPlugin } from './admission.ts';
import { applyVerdict, callAdmissionWebhook } from './webhooks/admission-review.ts';
import { VALIDATING_WEBHOOK_CONFIGURATIONS, matchingWebhooks } from './webhooks/matching-webhooks.ts';

export const validatingWebhookAdmission: AdmissionPlugin = {
  name: 'ValidatingAdmissionWebhook',
  async validate(ctx, attrs) {
    for (const matched of await matchingWebhooks(ctx, VALIDATING_WEBHOOK_CONFIGURATIONS, attrs)) {
      const response = await callAdmissionWebhook(ctx, matched, attrs);
      if (response) applyVerdict(matched, response, attrs);
    }
  },
};

